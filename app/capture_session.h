#pragma once
// The session a proxy run records into, and the data directory it lives in.
//
// Autosave policy: every run without --session starts a FRESH autosave (as Charles and Proxyman
// do: one run's capture is one session, ids start at 1, and an old capture never slows a new
// run); the previous autosave is kept as autosave-previous.pxsession so nothing is lost by
// starting again. --session FILE appends to an existing session (ids continue after the stored
// ones) or creates the file; a file that is not a session is refused, never overwritten.
#include <memory>
#include <string>

#include "app/command_line.h"
#include "engine/core/event_hub.h"
#include "engine/core/result.h"
#include "engine/store/flow_store.h"

namespace ps::app {

// --data-dir, else tls::defaultDataDirectory() ($XDG_DATA_HOME/proxyscope, else
// ~/.local/share/proxyscope on Linux); created 0700.
engine::Result<std::string> resolveDataDir(const Options& options);

class CaptureSession {
 public:
  // Opens (or rotates and creates) the session file and seeds the engine's flow ids from it.
  static engine::Result<std::unique_ptr<CaptureSession>> open(const Options& options, const std::string& dataDir);
  ~CaptureSession();

  // Starts recording the hub's events (call before the engine starts).
  engine::Result<void> attach(engine::EventHub& hub);
  // Writes everything published so far and stops recording (after the engine stopped).
  void detach();
  const std::string& path() const { return m_path; }
  // Any message for the user from opening (e.g. "previous autosave kept as ...").
  const std::string& notice() const { return m_notice; }

 private:
  std::string m_path;
  std::string m_notice;
  std::unique_ptr<engine::FlowStore> m_store;
  int m_lockFd = -1;  // flock on <dataDir>/autosave.lock while this run owns the autosave
};

// Moves path (with its -wal/-shm companions, so the last batches of a killed run stay with it)
// to target, replacing an older target.
engine::Result<void> moveSessionFile(const std::string& path, const std::string& target);

}  // namespace ps::app
