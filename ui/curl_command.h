#pragma once
// "Copy as cURL": a shell command that repeats a captured request with curl.
#include <QString>

#include "ui/flow_detail.h"

namespace ps::ui {

// POSIX-shell single-quoted argument ('it'\''s').
QString shellQuote(const QString& text);
// curl command for the flow's request: method, URL, headers as received (Host and
// Content-Length left to curl), and the captured body when it is complete.
QString curlCommand(const FlowDetail& flow);

}  // namespace ps::ui
