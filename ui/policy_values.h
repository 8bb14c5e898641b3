#pragma once
// Value types of the Policies panel (issue 10), filled by EngineBridge (ui/engine_bridge_policies.cpp).
#include <QString>
#include <QVector>

namespace ps::ui {

struct PolicyCounterUi {
  QString name;  // the part after "<policy>.", e.g. "hits"
  quint64 value = 0;
};

struct PolicyRowUi {
  QString key;          // "cache", "filter", ... (the JSON key under "policies")
  QString title;        // "Cache"
  QString description;  // one line: what it does
  bool enabled = false;
  // false: switched on it would do nothing (e.g. a filter without rules); howTo says what to add.
  bool configured = true;
  QString howTo;        // the JSON keys that configure it (shown when not configured, and as tooltip)
  QVector<PolicyCounterUi> counters;
};

}  // namespace ps::ui
