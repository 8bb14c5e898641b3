#include "engine/sysproxy/socket_owner.h"

#ifdef _WIN32
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#endif

#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#ifdef __linux__
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#endif

namespace ps::engine {

namespace {

std::string unbracket(std::string host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// "::ffff:127.0.0.1" → "127.0.0.1"; anything else unchanged.
std::string unmapV4(const std::string& host) {
  std::string h = unbracket(host);
  constexpr std::string_view kMapped = "::ffff:";
  if (h.size() > kMapped.size() && equalsNoCase(std::string_view(h).substr(0, kMapped.size()), kMapped) &&
      h.find('.') != std::string::npos) {
    return h.substr(kMapped.size());
  }
  return h;
}

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

bool isPlainIpv6(const std::string& host) {
  std::string h = unmapV4(host);
  in6_addr a6{};
  return inet_pton(AF_INET6, h.c_str(), &a6) == 1;
}

std::string procNetAddress(const std::string& host, uint16_t port) {
  std::string h = unmapV4(host);
  char out[64];
  in_addr a4{};
  in6_addr a6{};
  if (inet_pton(AF_INET, h.c_str(), &a4) == 1) {
    // The kernel prints the 32-bit word as it lies in memory, i.e. in host byte order.
    uint32_t word = 0;
    std::memcpy(&word, &a4, sizeof word);
    std::snprintf(out, sizeof out, "%08X:%04X", word, static_cast<unsigned>(port));
    return out;
  }
  if (inet_pton(AF_INET6, h.c_str(), &a6) == 1) {
    uint32_t words[4];
    std::memcpy(words, &a6, sizeof words);
    std::snprintf(out, sizeof out, "%08X%08X%08X%08X:%04X", words[0], words[1], words[2], words[3],
                  static_cast<unsigned>(port));
    return out;
  }
  return {};
}

std::optional<uint64_t> findSocketInode(std::string_view procNetTcp, const Endpoint& local, const Endpoint& remote) {
  const std::string wantLocal = procNetAddress(local.host, local.port);
  const std::string wantRemote = procNetAddress(remote.host, remote.port);
  if (wantLocal.empty() || wantRemote.empty()) return std::nullopt;
  size_t start = 0;
  while (start < procNetTcp.size()) {
    size_t end = procNetTcp.find('\n', start);
    if (end == std::string_view::npos) end = procNetTcp.size();
    auto f = fields(procNetTcp.substr(start, end - start));
    start = end + 1;
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    if (f.size() < 10 || !equalsNoCase(f[1], wantLocal) || !equalsNoCase(f[2], wantRemote)) continue;
    uint64_t inode = 0;
    for (char c : f[9]) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      inode = inode * 10 + static_cast<uint64_t>(c - '0');
    }
    if (inode != 0) return inode;  // 0: TIME_WAIT, no socket behind it
  }
  return std::nullopt;
}

std::optional<ProcStat> parseProcStat(std::string_view stat) {
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  auto f = fields(stat.substr(close + 1));
  // After the name: state ppid pgrp ...
  if (f.size() < 2 || f[0].size() != 1) return std::nullopt;
  ProcStat out;
  out.state = f[0][0];
  int ppid = 0;
  for (char c : f[1]) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    ppid = ppid * 10 + (c - '0');
  }
  out.ppid = ppid;
  return out;
}

std::optional<uint64_t> parseSocketLink(std::string_view link) {
  constexpr std::string_view kPrefix = "socket:[";
  if (!link.starts_with(kPrefix) || !link.ends_with("]") || link.size() <= kPrefix.size() + 1) return std::nullopt;
  uint64_t inode = 0;
  for (char c : link.substr(kPrefix.size(), link.size() - kPrefix.size() - 1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    inode = inode * 10 + static_cast<uint64_t>(c - '0');
  }
  return inode;
}

#ifdef __linux__

bool procAvailable() { return access("/proc/self/stat", R_OK) == 0 && access("/proc/net/tcp", R_OK) == 0; }

std::optional<uint64_t> clientSocketInode(const Endpoint& peer, const Endpoint& local) {
  // An IPv4 client (also one reaching a dual-stack listener, seen as ::ffff:a.b.c.d) has its socket
  // in /proc/net/tcp; a plain IPv6 one in tcp6. The other file is the fallback.
  const bool v6 = isPlainIpv6(peer.host);
  const char* first = v6 ? "/proc/net/tcp6" : "/proc/net/tcp";
  const char* second = v6 ? "/proc/net/tcp" : "/proc/net/tcp6";
  for (const char* path : {first, second}) {
    if (auto inode = findSocketInode(readAll(path), peer, local)) return inode;
  }
  return std::nullopt;
}

std::optional<ProcStat> readProcStat(int pid) { return parseProcStat(readAll("/proc/" + std::to_string(pid) + "/stat")); }

std::map<int, int> processParents() {
  std::map<int, int> out;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    int pid = 0;
    bool numeric = e->d_name[0] != '\0';
    for (const char* p = e->d_name; *p != '\0'; ++p) {
      if (!std::isdigit(static_cast<unsigned char>(*p))) {
        numeric = false;
        break;
      }
      pid = pid * 10 + (*p - '0');
    }
    if (!numeric) continue;
    auto stat = readProcStat(pid);
    if (stat && stat->state != 'Z' && stat->state != 'X') out[pid] = stat->ppid;
  }
  closedir(dir);
  return out;
}

std::optional<std::vector<int>> processTree(int root) {
  if (access("/proc/self/task", R_OK) != 0) return std::nullopt;
  {
    std::string probe = "/proc/self/task/" + std::to_string(getpid()) + "/children";
    if (access(probe.c_str(), R_OK) != 0) return std::nullopt;
  }
  std::vector<int> out;
  std::vector<int> pending{root};
  while (!pending.empty() && out.size() < 100000) {
    int pid = pending.back();
    pending.pop_back();
    std::string taskDir = "/proc/" + std::to_string(pid) + "/task";
    DIR* dir = opendir(taskDir.c_str());
    if (dir == nullptr) continue;  // gone meanwhile
    out.push_back(pid);
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      // "12 34 " — the children each thread of pid started.
      std::string text = readAll(taskDir + "/" + e->d_name + "/children");
      size_t i = 0;
      while (i < text.size()) {
        while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
        int child = 0;
        bool any = false;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
          child = child * 10 + (text[i++] - '0');
          any = true;
        }
        if (any) pending.push_back(child);
      }
    }
    closedir(dir);
  }
  return out;
}

std::vector<uint64_t> socketInodesOf(int pid) {
  std::vector<uint64_t> out;
  std::string fdDir = "/proc/" + std::to_string(pid) + "/fd";
  int dirFd = open(fdDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0) return out;
  DIR* dir = fdopendir(dirFd);
  if (dir == nullptr) {
    close(dirFd);
    return out;
  }
  char link[64];
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    ssize_t n = readlinkat(dirFd, e->d_name, link, sizeof link - 1);
    if (n <= 0) continue;
    if (auto inode = parseSocketLink(std::string_view(link, static_cast<size_t>(n)))) out.push_back(*inode);
  }
  closedir(dir);  // closes dirFd
  return out;
}

#else

bool procAvailable() { return false; }
std::optional<uint64_t> clientSocketInode(const Endpoint&, const Endpoint&) { return std::nullopt; }
std::optional<ProcStat> readProcStat(int) { return std::nullopt; }
std::map<int, int> processParents() { return {}; }
std::optional<std::vector<int>> processTree(int) { return std::nullopt; }
std::vector<uint64_t> socketInodesOf(int) { return {}; }

#endif

}  // namespace ps::engine
