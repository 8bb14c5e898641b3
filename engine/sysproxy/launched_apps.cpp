#include "engine/sysproxy/launched_apps.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/sysproxy/process.h"
#include "engine/sysproxy/socket_owner.h"

namespace ps::engine {

namespace {
// A parent chain longer than this is a loop in a racing snapshot, not a real process tree.
constexpr int kMaxDepth = 128;

bool isLoopback(const std::string& host) {
  return host.starts_with("127.") || host == "::1" || host == "[::1]" || host.starts_with("::ffff:127.");
}
}  // namespace

LaunchedApps::LaunchedApps() : m_byConnection(procAvailable()) {}

void LaunchedApps::setAnnounceDir(std::string dir) {
  std::lock_guard lock(m_mutex);
  m_announceDir = std::move(dir);
  m_announceStamp = -1;
  m_announced.clear();
}

// Called on every accept: one stat() unless the folder changed.
void LaunchedApps::readAnnouncedLocked() {
  if (m_announceDir.empty()) return;
  struct stat st {};
  int64_t stamp = 0;
  if (::stat(m_announceDir.c_str(), &st) == 0) {
#ifdef __APPLE__
    stamp = static_cast<int64_t>(st.st_mtimespec.tv_sec) * 1'000'000'000 + st.st_mtimespec.tv_nsec;
#else
    stamp = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
#endif
  }
  if (stamp == m_announceStamp) return;
  m_announceStamp = stamp;
  m_announced.clear();
  m_owner.clear();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(m_announceDir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.empty() || file.find_first_not_of("0123456789") != std::string::npos) continue;  // temp files
    int pid = std::atoi(file.c_str());
    std::ifstream in(entry.path());
    std::string name;
    std::getline(in, name);
    if (pid > 0 && !name.empty()) m_announced[pid] = name;
  }
}

void LaunchedApps::add(int pid, std::string name) {
  if (pid <= 0 || name.empty()) return;
  std::lock_guard lock(m_mutex);
  m_apps[pid] = std::move(name);
  m_owner.clear();
}

void LaunchedApps::remove(int pid) {
  std::lock_guard lock(m_mutex);
  m_apps.erase(pid);
  m_owner.clear();
}

bool LaunchedApps::active() {
  std::lock_guard lock(m_mutex);
  readAnnouncedLocked();
  return !m_apps.empty() || !m_announced.empty();
}

std::vector<std::pair<int, std::string>> LaunchedApps::apps() {
  std::lock_guard lock(m_mutex);
  readAnnouncedLocked();
  pruneLocked();
  std::vector<std::pair<int, std::string>> out(m_apps.begin(), m_apps.end());
  for (const auto& a : m_announced) {
    if (!m_apps.count(a.first)) out.push_back(a);
  }
  return out;
}

const std::string* LaunchedApps::nameOfLocked(int pid) const {
  auto it = m_apps.find(pid);
  if (it != m_apps.end()) return &it->second;
  it = m_announced.find(pid);
  return it != m_announced.end() ? &it->second : nullptr;
}

namespace {
bool launchedAlive(int pid, bool haveProc) {
  bool alive = processAlive(pid);
  // A child nobody has reaped yet is a zombie: it still answers kill(pid, 0) but is gone.
  if (alive && haveProc) {
    auto stat = readProcStat(pid);
    alive = stat && stat->state != 'Z' && stat->state != 'X';
  }
  return alive;
}
}  // namespace

void LaunchedApps::pruneLocked() {
  for (auto it = m_apps.begin(); it != m_apps.end();) {
    it = launchedAlive(it->first, m_byConnection) ? std::next(it) : m_apps.erase(it);
  }
  for (auto it = m_announced.begin(); it != m_announced.end();) {
    if (launchedAlive(it->first, m_byConnection)) {
      ++it;
      continue;
    }
    // Its launcher died without withdrawing it (kill -9): the pid could be reused by anyone.
    std::error_code ec;
    std::filesystem::remove(m_announceDir + "/" + std::to_string(it->first), ec);
    it = m_announced.erase(it);
  }
}

void LaunchedApps::rescanLocked() {
  m_owner.clear();
  // Cheap path: walk down from each launched pid (only the apps' processes are read).
  std::map<int, std::string> roots(m_apps.begin(), m_apps.end());
  roots.insert(m_announced.begin(), m_announced.end());
  bool walked = true;
  for (const auto& [root, name] : roots) {
    auto tree = processTree(root);
    if (!tree) {
      walked = false;
      break;
    }
    for (int pid : *tree) {
      for (uint64_t inode : socketInodesOf(pid)) m_owner[inode] = name;
    }
  }
  if (walked) return;
  // Without children files: every process's parent chain.
  m_owner.clear();
  const auto parents = processParents();
  for (const auto& entry : parents) {
    const int pid = entry.first;
    // Walk up until a launched pid (or the top): the process belongs to that app.
    const std::string* app = nullptr;
    int cursor = pid;
    for (int depth = 0; depth < kMaxDepth && cursor > 1; ++depth) {
      app = nameOfLocked(cursor);
      if (app != nullptr) break;
      auto up = parents.find(cursor);
      if (up == parents.end()) break;
      cursor = up->second;
    }
    if (app == nullptr) continue;
    for (uint64_t inode : socketInodesOf(pid)) m_owner[inode] = *app;
  }
}

std::string LaunchedApps::appForConnection(const Endpoint& peer, const Endpoint& local) {
  std::lock_guard lock(m_mutex);
  readAnnouncedLocked();
  pruneLocked();
  if (m_apps.empty() && m_announced.empty()) return {};
  if (!m_byConnection) {
    // By launch (documented in the header): only without a way to ask who owns the socket.
    if (m_apps.size() + m_announced.size() != 1 || !isLoopback(peer.host)) return {};
    return m_apps.empty() ? m_announced.begin()->second : m_apps.begin()->second;
  }
  // The client socket is listed while the connection is open; the lookup runs right after accept.
  auto inode = clientSocketInode(peer, local);
  if (!inode) return {};
  auto cached = m_owner.find(*inode);
  if (cached != m_owner.end()) return cached->second;
  // New socket: the app's processes opened it after the last scan (or it is not theirs).
  rescanLocked();
  cached = m_owner.find(*inode);
  return cached != m_owner.end() ? cached->second : std::string();
}

Result<void> announceLaunchedApp(const std::string& dataDir, int pid, const std::string& name) {
  const std::string dir = dataDir + "/launched";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"cannot create " + dir + ": " + ec.message()};
  // Written under a temporary name and renamed, so a reader never sees a half-written name.
  const std::string final = dir + "/" + std::to_string(pid);
  const std::string temp = final + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << name << "\n";
    if (!out) return Error{"cannot write " + temp};
  }
  if (std::rename(temp.c_str(), final.c_str()) != 0) return Error{"cannot write " + final};
  return {};
}

void withdrawLaunchedApp(const std::string& dataDir, int pid) {
  std::error_code ec;
  std::filesystem::remove(dataDir + "/launched/" + std::to_string(pid), ec);
}

}  // namespace ps::engine
