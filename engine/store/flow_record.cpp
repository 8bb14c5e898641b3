#include "engine/store/flow_record.h"

#include <cstdint>

namespace ps::engine {

namespace {

// Bumped when the layout changes; a record of another version is refused, not misread.
constexpr uint8_t kRecordVersion = 1;

class RecordWriter {
 public:
  explicit RecordWriter(std::string& out) : m_out(out) {}

  void u(uint64_t v) {
    char buf[10];
    size_t n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    m_out.append(buf, n);
  }
  // Zig-zag, so that the odd negative value (a clock before 1970) stays short and exact.
  void s(int64_t v) { u((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void str(std::string_view v) {
    u(v.size());
    m_out.append(v);
  }
  void headers(const Headers& h) {
    u(h.size());
    for (const auto& field : h) {
      str(field.name);
      str(field.value);
    }
  }
  void body(const Body& b) {
    u(b.size);
    str(b.captured);
  }
  void request(const Request& r) {
    str(r.method);
    str(r.target);
    str(r.scheme);
    str(r.host);
    u(r.port);
    str(r.path);
    s(r.versionMajor);
    s(r.versionMinor);
    headers(r.headers);
    body(r.body);
  }
  void response(const Response& r) {
    s(r.status);
    str(r.reason);
    s(r.versionMajor);
    s(r.versionMinor);
    headers(r.headers);
    body(r.body);
  }

 private:
  std::string& m_out;
};

class RecordReader {
 public:
  explicit RecordReader(std::string_view in) : m_in(in) {}

  bool ok() const { return m_ok; }
  bool atEnd() const { return m_pos == m_in.size(); }

  uint64_t u() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (m_pos >= m_in.size()) return fail();
      const auto byte = static_cast<uint8_t>(m_in[m_pos++]);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    return fail();
  }
  int64_t s() {
    const uint64_t v = u();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  int i() {
    const int64_t v = s();
    if (v < INT32_MIN || v > INT32_MAX) return static_cast<int>(fail());
    return static_cast<int>(v);
  }
  bool flag() { return u() != 0; }
  std::string str() {
    const uint64_t n = u();
    if (!m_ok || n > m_in.size() - m_pos) {
      fail();
      return {};
    }
    std::string v(m_in.substr(m_pos, n));
    m_pos += n;
    return v;
  }
  void headers(Headers& h) {
    const uint64_t n = u();
    // Each field takes at least two bytes: a count beyond that is damage, not a reason to reserve.
    if (n > (m_in.size() - m_pos) / 2) {
      fail();
      return;
    }
    h.fields().reserve(n);
    for (uint64_t k = 0; k < n && m_ok; ++k) {
      std::string name = str();
      std::string value = str();
      h.add(std::move(name), std::move(value));
    }
  }
  void body(Body& b) {
    b.size = u();
    b.captured = str();
  }
  void request(Request& r) {
    r.method = str();
    r.target = str();
    r.scheme = str();
    r.host = str();
    const uint64_t port = u();
    if (port > 65535) fail();
    r.port = static_cast<uint16_t>(port);
    r.path = str();
    r.versionMajor = i();
    r.versionMinor = i();
    headers(r.headers);
    body(r.body);
  }
  void response(Response& r) {
    r.status = i();
    r.reason = str();
    r.versionMajor = i();
    r.versionMinor = i();
    headers(r.headers);
    body(r.body);
  }
  template <typename E>
  E enumeration(E last) {
    const uint64_t v = u();
    if (v > static_cast<uint64_t>(last)) fail();
    return m_ok ? static_cast<E>(v) : E{};
  }

 private:
  uint64_t fail() {
    m_ok = false;
    m_pos = m_in.size();
    return 0;
  }
  std::string_view m_in;
  size_t m_pos = 0;
  bool m_ok = true;
};

}  // namespace

void encodeFlowRecord(const Flow& flow, std::string& out) {
  RecordWriter w(out);
  w.u(kRecordVersion);
  w.u(flow.id);
  w.u(flow.connectionId);
  w.u(static_cast<uint64_t>(flow.mode));
  w.u(static_cast<uint64_t>(flow.kind));
  w.str(flow.clientAddress);
  w.str(flow.serverAddress);
  w.request(flow.request);
  w.u(flow.response ? 1 : 0);
  if (flow.response) w.response(*flow.response);
  for (int64_t t : {flow.timing.start, flow.timing.requestHeaders, flow.timing.dnsDone, flow.timing.connectDone,
                    flow.timing.tlsDone, flow.timing.requestSent, flow.timing.responseStart,
                    flow.timing.responseHeaders, flow.timing.end}) {
    w.s(t);
  }
  w.u(flow.error ? 1 : 0);
  if (flow.error) {
    w.u(static_cast<uint64_t>(flow.error->kind));
    w.str(flow.error->message);
  }
  w.u(flow.tags.size());
  for (const auto& tag : flow.tags) w.str(tag);
  w.str(flow.backend);
  w.u(flow.attempts.size());
  for (const auto& a : flow.attempts) {
    w.str(a.backend);
    w.str(a.address);
    w.str(a.outcome);
    w.str(a.error);
    w.s(a.start);
    w.s(a.end);
  }
  w.u(flow.replayOf);
  w.u(flow.bytesFromClient);
  w.u(flow.bytesToClient);
  w.str(flow.extensions);
  w.u(flow.originalRequest ? 1 : 0);
  if (flow.originalRequest) w.request(*flow.originalRequest);
  w.u(flow.originalResponse ? 1 : 0);
  if (flow.originalResponse) w.response(*flow.originalResponse);
}

Result<Flow> decodeFlowRecord(std::string_view record) {
  RecordReader r(record);
  if (const uint64_t version = r.u(); !r.ok() || version != kRecordVersion) {
    return Error{"a staged flow record of unknown version " + std::to_string(version)};
  }
  Flow flow;
  flow.id = r.u();
  flow.connectionId = r.u();
  flow.mode = r.enumeration(ProxyMode::Reverse);
  flow.kind = r.enumeration(FlowKind::WebSocket);
  flow.clientAddress = r.str();
  flow.serverAddress = r.str();
  r.request(flow.request);
  if (r.flag()) r.response(flow.response.emplace());
  for (int64_t* t : {&flow.timing.start, &flow.timing.requestHeaders, &flow.timing.dnsDone, &flow.timing.connectDone,
                     &flow.timing.tlsDone, &flow.timing.requestSent, &flow.timing.responseStart,
                     &flow.timing.responseHeaders, &flow.timing.end}) {
    *t = r.s();
  }
  if (r.flag()) {
    auto& error = flow.error.emplace();
    error.kind = r.enumeration(ErrorKind::Internal);
    error.message = r.str();
  }
  for (uint64_t n = r.u(); n > 0 && r.ok(); --n) flow.tags.push_back(r.str());
  flow.backend = r.str();
  for (uint64_t n = r.u(); n > 0 && r.ok(); --n) {
    auto& a = flow.attempts.emplace_back();
    a.backend = r.str();
    a.address = r.str();
    a.outcome = r.str();
    a.error = r.str();
    a.start = r.s();
    a.end = r.s();
  }
  flow.replayOf = r.u();
  flow.bytesFromClient = r.u();
  flow.bytesToClient = r.u();
  flow.extensions = r.str();
  if (r.flag()) r.request(flow.originalRequest.emplace());
  if (r.flag()) r.response(flow.originalResponse.emplace());
  if (!r.ok()) return Error{"a staged flow record is damaged (it ends inside a field or a length runs past it)"};
  if (!r.atEnd()) return Error{"a staged flow record is damaged (bytes after its last field)"};
  return flow;
}

}  // namespace ps::engine
