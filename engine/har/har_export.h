#pragma once
// HAR 1.2 export (http://www.softwareishard.com/blog/har-12-spec/). Streaming: HarWriter writes the
// log header at once and one entry per add(), so a session of any size exports in constant memory
// (the store feeds it flow by flow). What HAR has no field for goes into "_"-prefixed fields:
//   entry: _flowId, _mode ("forward"|"reverse"), _kind ("http"|"tunnel"|"websocket"), _backend,
//          _replayOf, _error {kind, message}, _tags [..], _truncated {request, response},
//          _clientAddress, _serverAddress (when not serverIPAddress + the URL's port),
//          _wireBytes {fromClient, toClient}
//   request: _target (the request-target when it is not the URL's path, e.g. absolute-form)
//   request.postData: _encoding "base64" when the body is not text (HAR 1.2 has no such field)
//   response.content: _encoded "<coding>" when the body could not be decoded and text holds the
//          content-coded bytes
// Bodies: content.text is the decoded body (Content-Encoding gzip/x-gzip/deflate/br/zstd removed);
// text when it is UTF-8 without control characters (TAB/LF/CR/FF allowed), else base64 with
// encoding "base64". A flow without a response has status 0 (as browsers write failed requests).
// Timings: see har_timings in har_entry.h; time is the sum of the non-negative phases (ssl is
// inside connect).
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/core/flow.h"
#include "engine/core/result.h"

namespace ps::engine::har {

struct HarExportOptions {
  std::string creatorName = "Proxyscope";
  std::string creatorVersion = "unknown";  // the app passes PROXYSCOPE_VERSION
  // Non-empty: one page with this title, and every entry's pageref points at it.
  std::string pageTitle;
  // One entry per line when false (compact, still readable with line tools); indented when true.
  bool pretty = false;
};

// Streams entries to out (which must outlive the writer). Strings that are not UTF-8 (obs-text in
// a header, a raw byte in a URL) are written with U+FFFD in their place; bodies never are, since a
// body that is not text is base64.
class HarWriter {
 public:
  explicit HarWriter(std::ostream& out, HarExportOptions options = {});
  HarWriter(const HarWriter&) = delete;
  HarWriter& operator=(const HarWriter&) = delete;
  ~HarWriter();  // finishes if finish() was not called

  void add(const Flow& flow);
  // Closes the entries array and the log; further add() calls are ignored. Returns false when the
  // stream failed at any point.
  bool finish();
  size_t count() const { return m_count; }

 private:
  std::ostream& m_out;
  HarExportOptions m_options;
  size_t m_count = 0;
  int64_t m_firstStart = 0;
  bool m_finished = false;
};

// The whole HAR document as a string (tests, small selections, clipboard).
std::string exportHar(const std::vector<Flow>& flows, const HarExportOptions& options = {});

// Writes a HAR file from a pull source (a store cursor, a filter's result): next(flow) fills the
// next flow and returns false at the end. Written to "<path>.part" and renamed over path when
// complete, so a failed export never leaves a half file under the chosen name. Returns the number
// of entries. The CLI's `har export SESSION OUT [--filter EXPR]` and `--har FILE` are this call
// with the store's iterator.
Result<size_t> exportHarFile(const std::string& path, const std::function<bool(Flow&)>& next, const HarExportOptions& options = {});

}  // namespace ps::engine::har
