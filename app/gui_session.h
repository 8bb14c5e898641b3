#pragma once
// GuiSession: the autosave session of a GUI run. Each run (and each Session → New) records into a
// FRESH <dataDir>/autosave.pxsession; the one before is kept as autosave-previous.pxsession.
// The same policy as the headless runs (branch appwire's app/capture_session.h, CaptureSession):
// when both are merged this class should open its store through CaptureSession.
#include <memory>
#include <string>

#include "engine/core/event_hub.h"
#include "engine/core/result.h"
#include "engine/store/flow_store.h"

namespace ps::app {

class GuiSession {
 public:
  GuiSession(std::string dataDir, engine::EventHub& hub);
  ~GuiSession();  // detaches: everything published so far is written

  // Rotates the previous autosave away, creates a fresh one and starts recording the hub.
  engine::Result<void> start();
  // Session → New: stop recording, rotate, start again.
  engine::Result<void> renew();
  engine::FlowStore* store() const { return m_store.get(); }
  const std::string& notice() const { return m_notice; }

 private:
  std::string m_dataDir;
  engine::EventHub& m_hub;
  std::unique_ptr<engine::FlowStore> m_store;
  std::string m_notice;
};

}  // namespace ps::app
