#pragma once
// LaunchedApps: the applications Proxyscope started pre-configured (Chromium, Firefox, a terminal),
// so the engine can tag their flows "app:<name>".
//
// Linux (by connection): for an accepted connection, the client socket's inode is looked up in
// /proc/net/tcp{,6} (socket_owner.h) and compared with the sockets held by each launched process and
// its descendants (Chromium's network service is a child process). The inode → app map is rebuilt
// only when an inode is not in it yet, so a burst of connections from the same processes costs one
// scan. Nothing is read while no launched app is alive.
//
// Other Proxyscope processes (`proxyscope launch chromium` from a terminal while a proxy runs with
// the same data directory) announce their launches as files DATA_DIR/launched/<pid> holding the
// name (announceLaunchedApp); the engine reads that folder again whenever its mtime changes.
//
// Elsewhere (no /proc) the fallback is by launch: while exactly one launched app is alive, every
// connection from a loopback address is attributed to it. That is approximate (another local
// client at the same time is mis-tagged) and is why Linux does not use it.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/result.h"

namespace ps::engine {

class LaunchedApps {
 public:
  LaunchedApps();

  // The folder of announced launches ("" = none). Call before connections are accepted.
  void setAnnounceDir(std::string dir);

  // pid: the launched process (its descendants count as the app too). name: "chromium".
  void add(int pid, std::string name);
  void remove(int pid);
  // Cheap check for the accept path: true when at least one app was registered and not removed.
  bool active();
  // The live registrations (pids that have exited are dropped here).
  std::vector<std::pair<int, std::string>> apps();

  // The app name the connection peer → local comes from, "" when none. Reads /proc: call it off the
  // accept loop (it takes a few milliseconds on a busy host at most, and runs only while active()).
  std::string appForConnection(const Endpoint& peer, const Endpoint& local);

  // Whether attribution is per connection (true on Linux) or by launch.
  bool byConnection() const { return m_byConnection; }

 private:
  void pruneLocked();
  void readAnnouncedLocked();
  void rescanLocked();
  const std::string* nameOfLocked(int pid) const;

  mutable std::mutex m_mutex;
  std::map<int, std::string> m_apps;       // launched pid → name (registered in this process)
  std::map<int, std::string> m_announced;  // pid → name from the announce folder
  std::string m_announceDir;
  int64_t m_announceStamp = -1;            // the folder's mtime (ns) when last read; -1 = never
  std::map<uint64_t, std::string> m_owner;  // socket inode → app name (the last scan)
  bool m_byConnection = false;
};

// For a launcher in another process: DATA_DIR/launched/<pid> = name, written atomically; withdraw
// removes it (a file whose pid is gone is ignored and removed by the engine).
Result<void> announceLaunchedApp(const std::string& dataDir, int pid, const std::string& name);
void withdrawLaunchedApp(const std::string& dataDir, int pid);

}  // namespace ps::engine
