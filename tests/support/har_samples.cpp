#include "tests/support/har_samples.h"

#include "engine/har/content_coding.h"

namespace ps::test {

using namespace ps::engine;

namespace {

constexpr int64_t kT0 = 1764201490123456;  // 2025-11-26T23:58:10.123456Z

Flow base(uint64_t id, const std::string& method, const std::string& scheme, const std::string& host, uint16_t port,
          const std::string& path, int64_t start) {
  Flow f;
  f.id = id;
  f.connectionId = id * 10;
  f.clientAddress = "127.0.0.1:" + std::to_string(50000 + id);
  f.request.method = method;
  f.request.scheme = scheme;
  f.request.host = host;
  f.request.port = port;
  f.request.path = path;
  f.request.target = path;
  f.timing.start = start;
  return f;
}

void setBody(Body& b, std::string bytes) {
  b.size = bytes.size();
  b.captured = std::move(bytes);
}

Response response(int status, std::string reason, Headers headers, std::string body) {
  Response r;
  r.status = status;
  r.reason = std::move(reason);
  r.headers = std::move(headers);
  setBody(r.body, std::move(body));
  return r;
}

void fullTiming(Timing& t, bool tls) {
  t.requestHeaders = t.start + 200;
  t.dnsDone = t.start + 1700;
  t.connectDone = t.start + 3700;
  if (tls) t.tlsDone = t.start + 9100;
  const int64_t c = tls ? t.tlsDone : t.connectDone;
  t.requestSent = c + 250;
  t.responseStart = c + 22250;
  t.responseHeaders = c + 22300;
  t.end = c + 23757;
}

}  // namespace

std::string binarySample() {
  std::string s("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s;
}

std::vector<Flow> harSampleFlows() {
  std::vector<Flow> flows;

  // 1. Forward-proxied plain HTTP GET: absolute-form target, query, cookies, gzip HTML.
  Flow f1 = base(1, "GET", "http", "example.test", 80, "/search?q=caf%C3%A9&x=a+b&empty=&flag&raw=%FF", kT0);
  f1.request.target = "http://example.test" + f1.request.path;
  f1.request.headers = {{"Host", "example.test"}, {"User-Agent", "Mozilla/5.0 (X11)"}, {"Accept-Encoding", "gzip, br"},
                        {"Cookie", "sid=abc123; theme=dark"}, {"cookie", "late=1"}, {"X-Empty", ""}};
  const std::string html = "<!doctype html><title>café</title>\n<p>Hello, world.</p>\n";
  f1.response = response(200, "OK",
                         {{"Content-Type", "text/html; charset=utf-8"}, {"Content-Encoding", "gzip"},
                          {"Set-Cookie", "id=a3fWa; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Path=/; Domain=example.test; Secure; HttpOnly; SameSite=Lax"},
                          {"Set-Cookie", "short=1; Max-Age=3600"}, {"Vary", "Accept-Encoding"}},
                         *har::encodeContent(html, "gzip"));
  f1.response->headers.add("Content-Length", std::to_string(f1.response->body.size));
  f1.serverAddress = "93.184.216.34:80";
  fullTiming(f1.timing, false);
  f1.bytesFromClient = 321;
  f1.bytesToClient = 654;
  flows.push_back(f1);

  // 2. HTTPS form login (TLS timing), redirect without a body.
  Flow f2 = base(2, "POST", "https", "api.example.test", 443, "/login?next=%2Fhome", kT0 + 50000);
  const std::string form = "user=al%20ice&pass=p%40ss+word&note=caf%C3%A9&x";
  f2.request.headers = {{"Host", "api.example.test"}, {"Content-Type", "application/x-www-form-urlencoded"},
                        {"Content-Length", std::to_string(form.size())}};
  setBody(f2.request.body, form);
  f2.response = response(302, "Found", {{"Location", "https://api.example.test/home"}, {"Content-Length", "0"}}, "");
  f2.serverAddress = "[2001:db8::1]:443";
  fullTiming(f2.timing, true);
  flows.push_back(f2);

  // 3. Multipart upload with a binary file part; brotli JSON answer.
  Flow f3 = base(3, "POST", "https", "upload.example.test", 8443, "/files", kT0 + 90000);
  const std::string boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
  std::string mp = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nMy cat ü\r\n" + "--" + boundary +
                   "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cat.png\"\r\nContent-Type: image/png\r\n\r\n" +
                   binarySample() + "\r\n--" + boundary + "--\r\n";
  f3.request.headers = {{"Host", "upload.example.test:8443"}, {"Content-Type", "multipart/form-data; boundary=" + boundary},
                        {"Content-Length", std::to_string(mp.size())}};
  setBody(f3.request.body, mp);
  f3.response = response(201, "Created", {{"Content-Type", "application/json"}, {"Content-Encoding", "br"}},
                         *har::encodeContent("{\"id\":42,\"name\":\"cat.png\"}", "br"));
  f3.serverAddress = "10.1.2.3:8443";
  fullTiming(f3.timing, true);
  flows.push_back(f3);

  // 4. Binary image response.
  Flow f4 = base(4, "GET", "http", "img.example.test", 80, "/cat.png", kT0 + 120000);
  f4.request.headers = {{"Host", "img.example.test"}, {"Accept", "image/*"}};
  f4.response = response(200, "OK", {{"Content-Type", "image/png"}, {"Content-Length", "272"}}, binarySample());
  f4.serverAddress = "10.1.2.4:80";
  f4.timing.requestHeaders = f4.timing.start + 100;  // pooled connection: no dns, no connect
  f4.timing.requestSent = f4.timing.start + 300;
  f4.timing.responseStart = f4.timing.start + 5300;
  f4.timing.end = f4.timing.start + 6001;
  flows.push_back(f4);

  // 5. Reverse mode, replay of 3, backend, zstd JSON, tags.
  Flow f5 = base(5, "GET", "http", "app.local", 8080, "/api/items", kT0 + 200000);
  f5.mode = ProxyMode::Reverse;
  f5.backend = "b1";
  f5.replayOf = 3;
  f5.tags = {"replay", "intercepted"};
  f5.request.headers = {{"Host", "app.local:8080"}, {"Accept-Encoding", "zstd"}};
  f5.response = response(200, "OK", {{"Content-Type", "application/json"}, {"Content-Encoding", "zstd"}},
                         *har::encodeContent("[{\"id\":1},{\"id\":2}]", "zstd"));
  f5.serverAddress = "127.0.0.1:9001";
  fullTiming(f5.timing, false);
  flows.push_back(f5);

  // 6. Upstream connect failure after DNS: no response, an error.
  Flow f6 = base(6, "GET", "http", "down.example.test", 80, "/", kT0 + 300000);
  f6.request.headers = {{"Host", "down.example.test"}};
  f6.timing.requestHeaders = f6.timing.start + 100;
  f6.timing.dnsDone = f6.timing.start + 900;
  f6.timing.end = f6.timing.start + 3000900;
  f6.error = FlowError{ErrorKind::UpstreamConnect, "connect to 10.0.0.1:80: Connection refused"};
  flows.push_back(f6);

  // 7. Truncated capture: 100000 bytes seen, 1000 kept.
  Flow f7 = base(7, "GET", "http", "big.example.test", 80, "/big.txt", kT0 + 400000);
  f7.request.headers = {{"Host", "big.example.test"}};
  f7.response = response(200, "OK", {{"Content-Type", "text/plain"}, {"Content-Length", "100000"}}, std::string(1000, 'x'));
  f7.response->body.size = 100000;
  fullTiming(f7.timing, false);
  flows.push_back(f7);

  // 8. Binary request body, HTTP/1.0.
  Flow f8 = base(8, "PUT", "http", "store.example.test", 80, "/blob", kT0 + 500000);
  f8.request.versionMinor = 0;
  f8.request.headers = {{"Host", "store.example.test"}, {"Content-Type", "application/octet-stream"}, {"Content-Length", "272"}};
  setBody(f8.request.body, binarySample());
  f8.response = response(204, "No Content", {}, "");
  f8.response->versionMinor = 0;
  fullTiming(f8.timing, false);
  flows.push_back(f8);

  // 9. A body that is not what its Content-Encoding says.
  Flow f9 = base(9, "GET", "http", "liar.example.test", 80, "/", kT0 + 600000);
  f9.request.headers = {{"Host", "liar.example.test"}};
  f9.response = response(200, "OK", {{"Content-Encoding", "gzip"}, {"Content-Type", "text/plain"}}, "plain text, not gzip");
  fullTiming(f9.timing, false);
  flows.push_back(f9);

  // 10. A CONNECT tunnel that was not intercepted.
  Flow f10 = base(10, "CONNECT", "https", "secret.example.test", 443, "", kT0 + 700000);
  f10.kind = FlowKind::Tunnel;
  f10.request.target = "secret.example.test:443";
  f10.request.headers = {{"Host", "secret.example.test:443"}};
  f10.response = response(200, "Connection Established", {}, "");
  fullTiming(f10.timing, false);
  flows.push_back(f10);

  // 11. Kept from an import: foreign "_" fields and a comment.
  Flow f11 = base(11, "GET", "https", "www.example.test", 443, "/", kT0 + 800000);
  f11.request.headers = {{"Host", "www.example.test"}};
  f11.response = response(200, "OK", {{"Content-Type", "text/plain"}}, "hi");
  fullTiming(f11.timing, true);
  f11.extensions = R"({"entry":{"_initiator":{"type":"parser","url":"https://www.example.test/"},"_priority":"VeryHigh","comment":"from Chrome"},)"
                   R"("response":{"_transferSize":321},"timings":{"_blocked_queueing":1.5}})";
  flows.push_back(f11);
  return flows;
}

Flow syntheticFlow(uint64_t i) {
  Flow f = base(i, i % 3 == 0 ? "POST" : "GET", "http", "host" + std::to_string(i % 50) + ".test", 80,
                "/path/" + std::to_string(i) + "?n=" + std::to_string(i), kT0 + static_cast<int64_t>(i) * 1000);
  f.request.headers = {{"Host", f.request.host}, {"User-Agent", "bench"}, {"Accept", "*/*"}};
  if (i % 3 == 0) setBody(f.request.body, std::string(1024, static_cast<char>('a' + i % 26)));
  f.response = response(200, "OK", {{"Content-Type", "text/plain"}, {"Content-Length", "1024"}}, std::string(1024, 'r'));
  fullTiming(f.timing, false);
  return f;
}

}  // namespace ps::test
