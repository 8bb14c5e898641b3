#include "app/capture_session.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "engine/net/engine.h"
#include "engine/tls/certificate_authority.h"

namespace ps::app {

namespace fs = std::filesystem;
using engine::Error;
using engine::Result;

namespace {

// SQLite keeps a WAL session in up to three files; they must move together.
constexpr const char* kCompanions[] = {"", "-wal", "-shm"};

}  // namespace

Result<std::string> resolveDataDir(const Options& options) {
  // The same place the CA lives (engine/tls): $XDG_DATA_HOME/proxyscope or ~/.local/share/proxyscope.
  std::string dir = options.dataDir.empty() ? engine::tls::defaultDataDirectory() : options.dataDir;
  std::error_code ec;
  bool created = fs::create_directories(dir, ec);
  if (ec) return Error{"cannot create the data directory " + dir + ": " + ec.message()};
  // The CA key and captured traffic live here: only the user may read it.
  if (created && ::chmod(dir.c_str(), 0700) != 0) return Error{"cannot restrict the data directory " + dir};
  return dir;
}

Result<void> moveSessionFile(const std::string& path, const std::string& target) {
  std::error_code ec;
  for (const char* suffix : kCompanions) fs::remove(target + suffix, ec);
  for (const char* suffix : kCompanions) {
    std::string from = path + suffix;
    if (!fs::exists(from, ec)) continue;
    fs::rename(from, target + suffix, ec);
    if (ec) return Error{"cannot move " + from + " to " + target + suffix + ": " + ec.message()};
  }
  return {};
}

Result<std::unique_ptr<CaptureSession>> CaptureSession::open(const Options& options, const std::string& dataDir) {
  auto session = std::unique_ptr<CaptureSession>(new CaptureSession());
  engine::StoreOptions storeOptions;
  storeOptions.overwrite = false;  // a foreign file is refused by FlowStore, never replaced
  if (options.sessionFile.empty()) {
    session->m_path = engine::FlowStore::defaultSessionPath(dataDir);
    // The autosave belongs to one running instance at a time (a lock held for the process'
    // lifetime); a second instance records beside it instead of rotating a live session away.
    std::string lockPath = (fs::path(dataDir) / "autosave.lock").string();
    session->m_lockFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (session->m_lockFd >= 0 && ::flock(session->m_lockFd, LOCK_EX | LOCK_NB) != 0) {
      session->m_path = (fs::path(dataDir) / ("autosave-" + std::to_string(::getpid()) + ".pxsession")).string();
      session->m_notice = "another Proxyscope records into the autosave; this run records separately";
    }
    std::error_code ec;
    if (session->m_notice.empty() && fs::exists(session->m_path, ec)) {
      std::string previous = (fs::path(dataDir) / "autosave-previous.pxsession").string();
      if (auto moved = moveSessionFile(session->m_path, previous); !moved) return moved.error();
      session->m_notice = "previous autosave kept as " + previous;
    }
    storeOptions.mode = engine::OpenMode::Create;
  } else {
    session->m_path = options.sessionFile;
    storeOptions.mode = engine::OpenMode::CreateOrAppend;
  }
  auto store = engine::FlowStore::open(session->m_path, storeOptions);
  if (!store) return Error{"session " + session->m_path + ": " + store.error().message};
  session->m_store = std::move(*store);
  // Flow ids are the session's primary key: appended flows must not reuse stored ids.
  engine::reserveFlowIdsBelow(session->m_store->nextFlowId());
  return session;
}

CaptureSession::~CaptureSession() {
  detach();
  if (m_lockFd >= 0) ::close(m_lockFd);
}

Result<void> CaptureSession::attach(engine::EventHub& hub) { return m_store->attach(hub); }

void CaptureSession::detach() {
  if (!m_store) return;
  // The last burst may still be staged: turning it into rows takes ~15 µs a flow (seconds after a
  // long storm), so whoever waits for the exit is told why.
  if (const int64_t staged = m_store->stats().staged; staged > 1000) {
    std::fprintf(stderr, "proxyscope: writing the last %lld captured flows into %s\n", static_cast<long long>(staged),
                 m_path.c_str());
  }
  m_store->detach();
}

}  // namespace ps::app
