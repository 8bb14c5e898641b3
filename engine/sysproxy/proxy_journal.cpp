#include "engine/sysproxy/proxy_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/sysproxy/process.h"

namespace ps::engine {

std::string ProxyJournal::currentBootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

bool ProxyJournal::ownerGone() const {
  if (!bootId.empty() && bootId != currentBootId()) return true;
  return !processAlive(pid);
}

Result<void> ProxyJournal::save(const std::string& path) const {
  nlohmann::json j;
  j["format"] = "proxyscope-sysproxy-journal/1";
  j["pid"] = pid;
  j["bootId"] = bootId;
  j["backend"] = backend;
  j["proxy"] = proxy;
  nlohmann::json keys = nlohmann::json::object();
  for (const auto& [key, value] : prior) keys[key] = {{"set", value.set}, {"value", value.value}};
  j["prior"] = keys;
  std::string text = j.dump(2) + "\n";

  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot write " + tmp + ": " + std::strerror(errno)};
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return Error{"cannot write " + tmp + ": " + why};
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Error{"cannot flush " + tmp + ": " + std::strerror(errno)};
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Error{"cannot rename " + tmp + ": " + std::strerror(errno)};
  return {};
}

Result<std::optional<ProxyJournal>> ProxyJournal::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::optional<ProxyJournal>{};
  std::stringstream buf;
  buf << in.rdbuf();
  try {
    auto j = nlohmann::json::parse(buf.str());
    if (j.value("format", "") != "proxyscope-sysproxy-journal/1") {
      return Error{path + ": not a Proxyscope system-proxy journal"};
    }
    ProxyJournal journal;
    journal.pid = j.at("pid").get<int>();
    journal.bootId = j.at("bootId").get<std::string>();
    journal.backend = j.at("backend").get<std::string>();
    journal.proxy = j.value("proxy", "");
    for (const auto& [key, value] : j.at("prior").items()) {
      journal.prior[key] = {value.at("set").get<bool>(), value.at("value").get<std::string>()};
    }
    return std::optional<ProxyJournal>{std::move(journal)};
  } catch (const nlohmann::json::exception& e) {
    return Error{path + ": damaged journal (" + e.what() + ")"};
  }
}

}  // namespace ps::engine
