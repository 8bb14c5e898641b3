#include "engine/http/http1_parser.h"

#include <llhttp.h>

#include <utility>

#include "engine/http/http1_rules.h"

namespace ps::engine::http {

struct Http1Parser::Impl {
  enum class Part { Idle, Head, Body, Upgraded };

  explicit Impl(Kind kind, ParserLimits limits) : kind(kind), limits(limits) {
    llhttp_settings_init(&settings);
    settings.on_message_begin = &Impl::onMessageBegin;
    settings.on_method = &Impl::onMethod;
    settings.on_url = &Impl::onUrl;
    settings.on_status = &Impl::onStatus;
    settings.on_header_field = &Impl::onHeaderField;
    settings.on_header_value = &Impl::onHeaderValue;
    settings.on_header_value_complete = &Impl::onHeaderValueComplete;
    settings.on_headers_complete = &Impl::onHeadersComplete;
    settings.on_body = &Impl::onBody;
    settings.on_message_complete = &Impl::onMessageComplete;
    llhttp_init(&parser, kind == Kind::Request ? HTTP_REQUEST : HTTP_RESPONSE, &settings);
    parser.data = this;
  }

  static Impl& self(llhttp_t* p) { return *static_cast<Impl*>(p->data); }

  // Records a failure found by our own checks; the callback then returns HPE_USER to stop llhttp.
  int fail(int status, std::string_view reason) {
    if (!failed) {
      failed = true;
      error.status = kind == Kind::Response ? 502 : status;
      error.reason = reason;
    }
    return HPE_USER;
  }

  Headers& currentHeaders() {
    return part == Part::Head ? (kind == Kind::Request ? nextRequest.headers : nextResponse.headers) : trailers;
  }

  static int onMessageBegin(llhttp_t* p) {
    Impl& s = self(p);
    s.part = Part::Head;
    s.inMessage = true;
    s.headBytes = 0;
    s.startLineBytes = 0;
    s.fieldCount = 0;
    s.fieldOpen = false;
    // The head is built in a second slot and swapped in at its end, so the previous message's
    // head (and framing) stay valid until this one's Head event, as the interface promises.
    if (s.kind == Kind::Request) {
      s.nextRequest.method.clear();
      s.nextRequest.target.clear();
    } else {
      s.nextResponse.reason.clear();
    }
    return 0;
  }

  int countStartLine(size_t n) {
    startLineBytes += n;
    if (startLineBytes > limits.maxStartLine) {
      return fail(414, kind == Kind::Request ? "request line too long" : "status line too long");
    }
    return 0;
  }

  static int onMethod(llhttp_t* p, const char* at, size_t n) {
    Impl& s = self(p);
    s.nextRequest.method.append(at, n);
    return s.countStartLine(n);
  }
  static int onUrl(llhttp_t* p, const char* at, size_t n) {
    Impl& s = self(p);
    s.nextRequest.target.append(at, n);
    return s.countStartLine(n);
  }
  static int onStatus(llhttp_t* p, const char* at, size_t n) {
    Impl& s = self(p);
    s.nextResponse.reason.append(at, n);
    return s.countStartLine(n);
  }

  // Field storage is reused across messages: a HeaderField's strings keep their capacity, so a
  // keep-alive connection parses later heads without allocating (the Headers vector is only
  // trimmed to size at the end of the head).
  int startField() {
    Headers& h = currentHeaders();
    if (fieldCount >= limits.maxHeaderCount) return fail(431, "too many header fields");
    auto& fields = h.fields();
    if (fieldCount < fields.size()) {
      fields[fieldCount].name.clear();
      fields[fieldCount].value.clear();
    } else {
      fields.emplace_back();
    }
    ++fieldCount;
    fieldOpen = true;
    valueCutAtFeedEnd = false;
    return 0;
  }

  int countHead(size_t n) {
    headBytes += n;
    if (headBytes > limits.maxHeaderBytes) return fail(431, "header section too large");
    return 0;
  }

  static int onHeaderField(llhttp_t* p, const char* at, size_t n) {
    Impl& s = self(p);
    if (!s.fieldOpen) {
      if (int rc = s.startField()) return rc;
    }
    s.currentHeaders().fields()[s.fieldCount - 1].name.append(at, n);
    return s.countHead(n);
  }

  static int onHeaderValue(llhttp_t* p, const char* at, size_t n) {
    Impl& s = self(p);
    if (!s.fieldOpen) return s.fail(400, "header value without a name");
    // llhttp accepts obs-fold and hands the continuation line over as another value piece that
    // starts with SP/HT. Leading OWS never starts a piece (llhttp skips it), so such a piece is
    // legitimate only as the continuation of a value that was cut by the end of the last feed.
    // RFC 9112 5.2: a server MAY reject obs-fold with 400; a proxy must not pass it on unchanged.
    const bool continuesCutValue = at == s.feedBegin && s.valueCutAtFeedEnd;
    if (n > 0 && !continuesCutValue && (at[0] == ' ' || at[0] == '\t')) {
      return s.fail(400, "obsolete line folding in header value");
    }
    // An empty first line ("X:" CRLF SP "two") is folded by llhttp without a visible piece
    // boundary: the value then starts on a line of its own, after an LF and whitespace.
    if (n > 0 && !continuesCutValue && s.lfBeforeValue(at)) return s.fail(400, "obsolete line folding in header value");
    s.valueCutAtFeedEnd = at + n == s.feedEnd;
    s.currentHeaders().fields()[s.fieldCount - 1].value.append(at, n);
    return s.countHead(n);
  }

  // True when only SP/HT separate `at` from a preceding LF (looking back into earlier feeds).
  bool lfBeforeValue(const char* at) const {
    for (const char* q = at; q > feedBegin; --q) {
      if (q[-1] != ' ' && q[-1] != '\t') return q[-1] == '\n';
    }
    return feedEndsInLfWs;
  }

  // Remembers for lfBeforeValue() whether this feed ended in LF followed by SP/HT only.
  void noteFeedTail(const char* end) {
    for (const char* q = end; q > feedBegin; --q) {
      if (q[-1] != ' ' && q[-1] != '\t') {
        feedEndsInLfWs = q[-1] == '\n';
        return;
      }
    }
  }

  static int onHeaderValueComplete(llhttp_t* p) {
    Impl& s = self(p);
    if (!s.fieldOpen) return s.fail(400, "header value without a name");
    s.fieldOpen = false;
    HeaderField& f = s.currentHeaders().fields()[s.fieldCount - 1];
    if (const char* why = rules::fieldNameProblem(f.name)) return s.fail(400, why);
    // OWS around the value is not part of it (RFC 9112 5.1); llhttp drops the leading part.
    while (!f.value.empty() && (f.value.back() == ' ' || f.value.back() == '\t')) f.value.pop_back();
    if (const char* why = rules::fieldValueProblem(f.value)) return s.fail(400, why);
    return s.countHead(4);  // ": " and CRLF, so many tiny fields still count
  }

  static int onHeadersComplete(llhttp_t* p) {
    Impl& s = self(p);
    Headers& h = s.kind == Kind::Request ? s.nextRequest.headers : s.nextResponse.headers;
    h.fields().resize(s.fieldCount);
    s.fieldCount = 0;
    s.fieldOpen = false;
    if (p->http_major != 1) return s.fail(505, "unsupported HTTP version");
    if (const char* why = rules::framingProblem(h)) return s.fail(400, why);
    // RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 message MUST be treated as faulty framing
    // (a 1.0 hop would not understand it and could split the stream differently).
    if ((p->flags & F_TRANSFER_ENCODING) && p->http_minor == 0) {
      return s.fail(400, "Transfer-Encoding in an HTTP/1.0 message");
    }
    if (s.kind == Kind::Request) {
      if (s.nextRequest.method.empty()) return s.fail(400, "missing method");
      if (const char* why = rules::requestTargetProblem(s.nextRequest.target)) return s.fail(400, why);
      if (const char* why = rules::hostProblem(h, p->http_minor)) return s.fail(400, why);
      // RFC 9112 6.1: Transfer-Encoding on a request without chunked as the final coding leaves
      // the body length unknowable: 400 and close.
      if ((p->flags & F_TRANSFER_ENCODING) && !(p->flags & F_CHUNKED)) {
        return s.fail(400, "Transfer-Encoding without chunked as the final coding");
      }
      s.nextRequest.versionMajor = p->http_major;
      s.nextRequest.versionMinor = p->http_minor;
      std::swap(s.request, s.nextRequest);
    } else {
      s.nextResponse.status = p->status_code;
      s.nextResponse.versionMajor = p->http_major;
      s.nextResponse.versionMinor = p->http_minor;
      std::swap(s.response, s.nextResponse);
    }
    s.part = Part::Body;
    s.headSeen = true;
    s.headBytes = 0;  // the trailer section, if any, gets a budget of its own
    s.trailers.fields().clear();
    s.events.push_back({Event::Type::Head, {}});

    const bool http11 = p->http_major == 1 && p->http_minor >= 1;
    s.keepAlive = http11 ? !(p->flags & F_CONNECTION_CLOSE) : (p->flags & F_CONNECTION_KEEP_ALIVE) != 0;
    s.chunked = (p->flags & F_CHUNKED) != 0;
    s.contentLength.reset();
    if ((p->flags & F_CONTENT_LENGTH) && !s.chunked) s.contentLength = p->content_length;
    s.bodyUntilClose = false;
    s.upgrade = false;

    if (s.kind == Kind::Response) {
      const int st = p->status_code;
      // RFC 9112 6.3: a 2xx answer to CONNECT and a 101 switch the connection to another
      // protocol; HEAD answers, 1xx, 204 and 304 never have a body whatever their fields say.
      if ((s.expectMethodConnect && st >= 200 && st < 300) || st == 101) {
        s.upgrade = true;
        s.contentLength.reset();
        s.chunked = false;
        return 2;
      }
      if (s.expectMethodHead || (st >= 100 && st < 200) || st == 204 || st == 304) {
        s.contentLength.reset();
        s.chunked = false;
        return 1;
      }
      // RFC 9112 6.3 item 4 (Transfer-Encoding without chunked last) and item 8 (no framing).
      s.bodyUntilClose = llhttp_message_needs_eof(p) != 0;
      if (s.bodyUntilClose) s.keepAlive = false;
    } else {
      s.upgrade = p->upgrade != 0;
    }
    const bool hasBody = s.chunked || (s.contentLength && *s.contentLength > 0) || s.bodyUntilClose;
    // Stop after the head so the caller can act on it (route, answer 100-continue, refuse) before
    // any body byte is parsed. A message without a body completes at once instead.
    return hasBody ? HPE_PAUSED : 0;
  }

  static int onBody(llhttp_t* p, const char* at, size_t n) {
    Impl& s = self(p);
    if (n == 0) return 0;  // llhttp closes an open span with an empty piece at the end of a feed
    s.events.push_back({Event::Type::Body, std::string_view(at, n)});
    return 0;
  }

  static int onMessageComplete(llhttp_t* p) {
    Impl& s = self(p);
    if (s.part != Part::Head) s.trailers.fields().resize(s.fieldCount);
    s.fieldCount = 0;
    s.inMessage = false;
    s.part = s.upgrade ? Part::Upgraded : Part::Idle;
    s.events.push_back({Event::Type::Complete, {}});
    return HPE_PAUSED;  // one message at a time (pipelining)
  }

  Kind kind;
  ParserLimits limits;
  llhttp_settings_t settings{};
  llhttp_t parser{};
  std::vector<Event> events;
  RequestHead request;  // the current message's head (after its Head event)
  ResponseHead response;
  RequestHead nextRequest;  // the head being parsed
  ResponseHead nextResponse;
  Headers trailers;
  ParseError error;
  bool failed = false;
  bool ended = false;  // feedEof() was called
  Part part = Part::Idle;
  bool inMessage = false;
  bool headSeen = false;    // a Head was produced by the current feed()
  size_t rawHeadBytes = 0;  // bytes fed so far for the head in progress
  bool fieldOpen = false;
  bool valueCutAtFeedEnd = false;  // the last value piece ended at the end of a feed
  bool feedEndsInLfWs = false;     // see noteFeedTail()
  const char* feedBegin = nullptr;
  const char* feedEnd = nullptr;
  size_t fieldCount = 0;
  size_t headBytes = 0;
  size_t startLineBytes = 0;
  bool keepAlive = false;
  bool chunked = false;
  bool bodyUntilClose = false;
  bool upgrade = false;
  std::optional<uint64_t> contentLength;
  bool expectMethodHead = false;
  bool expectMethodConnect = false;
};

Http1Parser::Http1Parser(Kind kind, ParserLimits limits) : m_impl(std::make_unique<Impl>(kind, limits)) {}
Http1Parser::~Http1Parser() = default;

size_t Http1Parser::feed(std::string_view data) {
  Impl& s = *m_impl;
  s.events.clear();
  if (s.failed || s.ended || s.part == Impl::Part::Upgraded || data.empty()) return 0;

  const bool inHead = s.part == Impl::Part::Idle || s.part == Impl::Part::Head;
  s.feedBegin = data.data();
  s.feedEnd = data.data() + data.size();
  llhttp_errno_t rc = llhttp_execute(&s.parser, data.data(), data.size());
  size_t consumed = data.size();
  if (rc == HPE_PAUSED) {
    consumed = static_cast<size_t>(llhttp_get_error_pos(&s.parser) - data.data());
    llhttp_resume(&s.parser);
  } else if (rc == HPE_PAUSED_UPGRADE) {
    // The rest belongs to the tunnel / new protocol; the parser stays parked (part == Upgraded).
    consumed = static_cast<size_t>(llhttp_get_error_pos(&s.parser) - data.data());
  } else if (rc != HPE_OK) {
    const char* pos = llhttp_get_error_pos(&s.parser);
    consumed = pos ? static_cast<size_t>(pos - data.data()) : 0;
    if (!s.failed) {
      s.failed = true;
      s.error.status = s.kind == Kind::Response ? 502 : 400;
      s.error.reason = rules::describeLlhttpError(rc, llhttp_get_error_reason(&s.parser));
      if (rc == HPE_PAUSED_H2_UPGRADE && s.kind == Kind::Request) s.error.status = 505;
    }
    return consumed;
  }

  // The callbacks count names and values only; the raw bytes of the head are counted here too, so
  // a head padded with whitespace still meets the limit (RFC 9110 15.5.20 / RFC 6585 5 → 431).
  s.noteFeedTail(data.data() + consumed);
  if (inHead) {
    const size_t total = s.rawHeadBytes + consumed;
    if (total > s.limits.maxHeaderBytes) {
      s.events.clear();
      s.failed = true;
      s.error.status = s.kind == Kind::Response ? 502 : 431;
      s.error.reason = "header section too large";
      return consumed;
    }
    s.rawHeadBytes = s.headSeen ? 0 : total;
  }
  s.headSeen = false;
  return consumed;
}

bool Http1Parser::feedEof() {
  Impl& s = *m_impl;
  s.events.clear();
  if (s.ended) return !s.failed;
  s.ended = true;  // nothing can follow the end of the stream
  if (s.failed) return false;
  if (!s.inMessage || s.part == Impl::Part::Upgraded) return true;
  if (s.bodyUntilClose && s.part == Impl::Part::Body) {
    llhttp_finish(&s.parser);  // calls on_message_complete → Complete event
    llhttp_resume(&s.parser);
    return true;
  }
  s.failed = true;
  s.error.status = s.kind == Kind::Response ? 502 : 400;
  s.error.reason = s.part == Impl::Part::Head ? "connection closed in the middle of the head"
                                              : "connection closed before the body was complete";
  return false;
}

const std::vector<Http1Parser::Event>& Http1Parser::events() const { return m_impl->events; }
const RequestHead& Http1Parser::request() const { return m_impl->request; }
const ResponseHead& Http1Parser::response() const { return m_impl->response; }

void Http1Parser::expectResponseTo(std::string_view method) {
  m_impl->expectMethodHead = method == "HEAD";
  m_impl->expectMethodConnect = method == "CONNECT";
}

void Http1Parser::continueAfterUpgrade() {
  Impl& s = *m_impl;
  if (s.part != Impl::Part::Upgraded || s.failed) return;
  // llhttp would report the upgrade again on the next execute; start it afresh instead (the
  // previous message is complete, so no state is lost).
  llhttp_reset(&s.parser);
  s.part = Impl::Part::Idle;
  s.upgrade = false;
}

bool Http1Parser::hasError() const { return m_impl->failed; }
const ParseError& Http1Parser::error() const { return m_impl->error; }
bool Http1Parser::keepAlive() const { return m_impl->keepAlive; }
bool Http1Parser::chunked() const { return m_impl->chunked; }
std::optional<uint64_t> Http1Parser::contentLength() const { return m_impl->contentLength; }
bool Http1Parser::bodyUntilClose() const { return m_impl->bodyUntilClose; }
bool Http1Parser::upgrade() const { return m_impl->upgrade; }
bool Http1Parser::inMessage() const { return m_impl->inMessage; }
const Headers& Http1Parser::trailers() const { return m_impl->trailers; }

}  // namespace ps::engine::http
