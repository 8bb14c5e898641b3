#include "app/gui_session.h"

#include <filesystem>
#include <system_error>

namespace ps::app {

namespace fs = std::filesystem;

GuiSession::GuiSession(std::string dataDir, engine::EventHub& hub) : m_dataDir(std::move(dataDir)), m_hub(hub) {}

GuiSession::~GuiSession() {
  if (m_store) m_store->detach();
}

engine::Result<void> GuiSession::start() {
  std::error_code ec;
  fs::create_directories(m_dataDir, ec);
  if (ec) return engine::Error{"cannot create the data directory " + m_dataDir + ": " + ec.message()};
  const std::string path = engine::FlowStore::defaultSessionPath(m_dataDir);
  const std::string previous = (fs::path(m_dataDir) / "autosave-previous.pxsession").string();
  m_notice.clear();
  if (fs::exists(path, ec)) {
    // A WAL session lives in up to three files; they move together so a killed run's last
    // batches stay with it.
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(previous + suffix, ec);
    for (const char* suffix : {"", "-wal", "-shm"}) {
      if (!fs::exists(path + suffix, ec)) continue;
      fs::rename(path + suffix, previous + suffix, ec);
      if (ec) return engine::Error{"cannot keep the previous autosave: " + ec.message()};
    }
    m_notice = "previous autosave kept as " + previous;
  }
  engine::StoreOptions options;
  options.mode = engine::OpenMode::Create;
  auto store = engine::FlowStore::open(path, options);
  if (!store) return engine::Error{"session " + path + ": " + store.error().message};
  if (auto attached = (*store)->attach(m_hub); !attached) return attached.error();
  m_store = std::move(*store);
  return {};
}

engine::Result<void> GuiSession::renew() {
  if (m_store) {
    m_store->detach();
    m_store.reset();
  }
  return start();
}

}  // namespace ps::app
