// Filter evaluation: a fixed corpus of flows and a table of expressions → expected flow ids,
// checked for BOTH evaluators: in memory (Filter::matches) and SQL (Filter::toSql() run on an
// in-memory SQLite holding the store-contract schema, with registerSqlFunctions()).
#include <QtTest>

#include <brotli/encode.h>
#include <sqlite3.h>
#include <zlib.h>
#include <zstd.h>

#include <functional>
#include <random>
#include <set>

#include "engine/query/filter.h"
#include "engine/query/full_text.h"
#include "engine/query/sql_functions.h"
#include "engine/store/body_text.h"
#include "engine/store/flow_store.h"
#include "tests/support/contract_db.h"
#include "tests/support/store_test_support.h"

using namespace ps::engine;

namespace {

// ---- compression for the corpus ----
std::string gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}
std::string brotli(const std::string& in) {
  size_t n = BrotliEncoderMaxCompressedSize(in.size()) + 16;
  std::string out(n, '\0');
  BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, in.size(),
                        reinterpret_cast<const uint8_t*>(in.data()), &n, reinterpret_cast<uint8_t*>(out.data()));
  out.resize(n);
  return out;
}
std::string zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}

// ---- the corpus ----
constexpr int64_t kMs = 1000;

Flow make(uint64_t id, const char* method, const char* scheme, const char* host, uint16_t port, const char* path,
          int64_t durationUs) {
  Flow f;
  f.id = id;
  f.connectionId = id;
  f.clientAddress = "127.0.0.1:" + std::to_string(50000 + id);
  f.serverAddress = std::string(host) + ":" + std::to_string(port);
  f.request.method = method;
  f.request.scheme = scheme;
  f.request.host = host;
  f.request.port = port;
  f.request.path = path;
  f.request.target = path;
  f.timing.start = 1'700'000'000'000'000 + static_cast<int64_t>(id) * 10'000'000;
  f.timing.end = f.timing.start + durationUs;
  return f;
}
void setBody(Body& b, std::string bytes, uint64_t size = 0) {
  b.size = size ? size : bytes.size();
  b.captured = std::move(bytes);
}
Response& respond(Flow& f, int status, std::initializer_list<HeaderField> headers = {}, std::string body = {}) {
  f.response.emplace();
  f.response->status = status;
  f.response->headers = Headers(headers);
  setBody(f.response->body, std::move(body));
  return *f.response;
}

std::vector<Flow> buildCorpus() {
  std::vector<Flow> c;
  const std::string usersJson = R"({"users":[{"id":42,"name":"Ann Smith"}]})";
  {  // 1
    Flow f = make(1, "GET", "http", "api.example.com", 80, "/v1/users?page=2", 120 * kMs);
    f.request.headers = {{"Host", "api.example.com"}, {"Accept", "application/json"}, {"User-Agent", "curl/8.0"}};
    respond(f, 200,
            {{"Content-Type", "application/json; charset=utf-8"},
             {"Content-Encoding", "gzip"},
             {"Set-Cookie", "sid=abc123; Path=/"},
             {"Set-Cookie", "theme=dark"}},
            gzip(usersJson));
    c.push_back(f);
    f.id = 12;  // 12: a replay of 1
    f.replayOf = 1;
    f.tags = {"replay"};
    f.timing.end = f.timing.start + 90 * kMs;
    f.clientAddress = "127.0.0.1:50012";
    c.push_back(f);
  }
  {
    Flow f = make(2, "POST", "https", "api.example.com", 443, "/v1/login", 45 * kMs);
    f.request.headers = {{"Content-Type", "application/json"}};
    setBody(f.request.body, R"({"user":"bob","password":"hunter2"})");
    respond(f, 401, {{"Content-Type", "application/json"}, {"Content-Encoding", "br"}},
            brotli(R"({"error":"bad credentials"})"));
    c.push_back(f);
  }
  {
    Flow f = make(3, "GET", "https", "www.example.org", 443, "/", 800 * kMs);
    respond(f, 200, {{"Content-Type", "text/html; charset=UTF-8"}, {"Content-Encoding", "zstd"}},
            zstd("<html><head><title>Welcome Home</title></head></html>"));
    c.push_back(f);
  }
  {
    Flow f = make(4, "GET", "https", "cdn.example.net", 443, "/img/logo.png", 30 * kMs);
    respond(f, 200, {{"Content-Type", "image/png"}});
    setBody(f.response->body, std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), 20000);
    c.push_back(f);
  }
  {
    Flow f = make(5, "GET", "http", "cdn.example.net", 80, "/style.css", 10 * kMs);
    f.request.headers = {{"If-None-Match", "\"abc\""}};
    respond(f, 304, {{"Content-Type", "text/css"}});
    c.push_back(f);
  }
  {
    Flow f = make(6, "GET", "https", "static.example.net", 443, "/app.js", 250 * kMs);
    std::string js;
    for (int i = 0; i < 300; ++i) js += "function main() { console.log('ready'); }\n";
    respond(f, 200, {{"Content-Type", "application/javascript"}}, js);
    c.push_back(f);
  }
  {
    Flow f = make(7, "DELETE", "https", "api.example.com", 443, "/v1/users/42", 60 * kMs);
    f.tags = {"intercepted"};
    respond(f, 204);
    c.push_back(f);
  }
  {
    Flow f = make(8, "PUT", "http", "api.example.com", 80, "/v1/users/42", 2500 * kMs);
    f.request.headers = {{"Content-Type", "application/json"}};
    setBody(f.request.body, R"({"name":"Ann"})");
    respond(f, 500, {{"Content-Type", "text/plain"}}, "Internal Server Error: db timeout");
    c.push_back(f);
  }
  {
    Flow f = make(9, "GET", "http", "unreachable.test", 80, "/", 5 * kMs);
    f.error = FlowError{ErrorKind::UpstreamConnect, "connection refused"};
    c.push_back(f);
  }
  {
    Flow f = make(10, "CONNECT", "https", "secure.bank.test", 443, "", 60000 * kMs);
    f.kind = FlowKind::Tunnel;
    respond(f, 200);
    c.push_back(f);
  }
  {
    Flow f = make(11, "GET", "http", "chat.example.com", 80, "/socket", 15000 * kMs);
    f.kind = FlowKind::WebSocket;
    f.request.headers = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}};
    respond(f, 101, {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}});
    c.push_back(f);
  }
  {
    Flow f = make(13, "GET", "http", "localhost", 8080, "/api/items", 20 * kMs);
    f.mode = ProxyMode::Reverse;
    f.backend = "api-1";
    f.clientAddress = "10.0.0.5:5000";
    f.request.headers = {{"Referer", "https://www.example.org/"}};
    respond(f, 200, {{"Content-Type", "application/json"}}, R"([{"item": "Lamp"}])");
    c.push_back(f);
  }
  {
    Flow f = make(14, "GET", "http", "localhost", 8080, "/api/items?limit=5", 150);
    f.mode = ProxyMode::Reverse;
    f.clientAddress = "10.0.0.6:5001";
    f.error = FlowError{ErrorKind::NoBackend, "no healthy backend"};
    respond(f, 503, {{"Content-Type", "text/plain"}}, "no healthy backend");
    c.push_back(f);
  }
  {
    Flow f = make(15, "POST", "http", "localhost", 8080, "/upload", 1500 * kMs);
    f.mode = ProxyMode::Reverse;
    f.backend = "api-2";
    f.request.headers = {{"Content-Type", "multipart/form-data; boundary=XyZ"}};
    setBody(f.request.body, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nhello upload", 2u << 20);
    respond(f, 201, {{"Content-Type", "application/json"}}, R"({"ok":true})");
    c.push_back(f);
  }
  {
    Flow f = make(16, "GET", "https", "Mixed.Example.COM", 443, "/Case", 15 * kMs);
    f.request.headers = {{"x-REQUEST-id", "ABC-123"}, {"X-Request-Id", "def-456"}};
    respond(f, 200, {{"CONTENT-TYPE", "Text/Plain"}}, "Mixed Case OK");
    c.push_back(f);
  }
  {
    Flow f = make(17, "GET", "http", "shop.example.com", 80, "/promo/100%_off?ref=mail", 40 * kMs);
    respond(f, 200, {{"Content-Type", "text/html"}}, "<p>100% off!</p>");
    c.push_back(f);
  }
  {
    Flow f = make(18, "GET", "http", "shop.example.com", 80, "/promo/100xyoff", 35 * kMs);
    respond(f, 404, {{"Content-Type", "text/html"}}, "<p>not found</p>");
    c.push_back(f);
  }
  {
    Flow f = make(19, "GET", "https", "bücher.example", 443, "/suche?q=größe", 70 * kMs);
    respond(f, 200, {{"Content-Type", "text/html; charset=utf-8"}}, "Größe und Farbe — schön");
    c.push_back(f);
  }
  {
    Flow f = make(20, "POST", "http", "api.example.com", 80, "/v1/notes", 33 * kMs);
    f.request.headers = {{"X-Note", "say \"hi\" \\ bye"}, {"Content-Type", "text/plain"}};
    setBody(f.request.body, "He said \"stop\" and left_early 50%");
    respond(f, 201);
    c.push_back(f);
  }
  {
    Flow f = make(21, "GET", "http", "logs.example.com", 80, "/big.json", 300 * kMs);
    std::string log = "{\"log\":\"";
    for (int i = 0; i < 2000; ++i) log += "entry " + std::to_string(i * 7919 % 10007) + ": alpha beta gamma\n";
    log += "\"}";
    respond(f, 200, {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
    setBody(f.response->body, gzip(log).substr(0, 200), 9000);  // capture cut mid-stream
    c.push_back(f);
  }
  {
    Flow f = make(22, "HEAD", "http", "api.example.com", 80, "/health", 2 * kMs);
    respond(f, 200, {{"Content-Type", "text/plain"}, {"Content-Length", "2"}});
    c.push_back(f);
  }
  {
    Flow f = make(23, "OPTIONS", "https", "api.example.com", 443, "/v1/users", 3 * kMs);
    f.request.headers = {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "POST"}};
    respond(f, 204, {{"Access-Control-Allow-Origin", "*"}});
    c.push_back(f);
  }
  {
    Flow f = make(24, "GET", "https", "cdn.example.net", 443, "/lib.js", 1 * kMs);
    f.tags = {"cached"};
    respond(f, 200, {{"Content-Type", "text/javascript"}, {"Age", "30"}}, "var lib = 1;");
    c.push_back(f);
  }
  {
    Flow f = make(25, "GET", "http", "slow.example.com", 80, "/report", 30000 * kMs);
    f.error = FlowError{ErrorKind::UpstreamTimeout, "upstream silent for 30 s"};
    respond(f, 504, {{"Content-Type", "text/plain"}}, "Gateway Timeout");
    c.push_back(f);
  }
  {
    Flow f = make(26, "POST", "https", "api.example.com", 443, "/v1/pay", 9000 * kMs);
    f.tags = {"intercepted"};
    f.error = FlowError{ErrorKind::Killed, "killed by user"};
    f.request.headers = {{"Content-Type", "application/json"}};
    setBody(f.request.body, R"({"amount":100})");
    c.push_back(f);
  }
  {
    Flow f = make(27, "POST", "http", "forms.example.com", 80, "/submit", 80 * kMs);
    f.request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    setBody(f.request.body, "a=1&b=two+words");
    respond(f, 302, {{"Location", "/thanks"}});
    c.push_back(f);
  }
  {
    Flow f = make(28, "POST", "https", "api.example.com", 443, "/v1/orders", 55 * kMs);
    f.request.headers = {{"Content-Type", "application/json"}};
    setBody(f.request.body, R"({"qty":-1})");
    respond(f, 422, {{"Content-Type", "application/problem+json"}}, R"({"title":"Invalid quantity"})");
    c.push_back(f);
  }
  {
    Flow f = make(29, "GET", "https", "fonts.example.net", 443, "/inter.woff2", 95 * kMs);
    respond(f, 200, {{"Content-Type", "font/woff2"}});
    setBody(f.response->body, std::string("wOF2\0\1\0\0", 8), 48000);
    c.push_back(f);
  }
  {
    Flow f = make(30, "GET", "http", "feeds.example.com", 80, "/rss.xml", 150 * kMs);
    f.tags = {"Pinned"};
    respond(f, 200, {{"Content-Type", "application/rss+xml"}}, "<rss><channel><title>News</title></channel></rss>");
    c.push_back(f);
  }
  {
    Flow f = make(31, "GET", "http", "::1", 8080, "/v6", 4 * kMs);
    f.clientAddress = "[::1]:40000";
    respond(f, 200, {{"Content-Type", "text/plain"}}, "six");
    c.push_back(f);
  }
  return c;
}

template <class Int>
QString idList(const std::set<Int>& ids) {
  QStringList parts;
  for (auto id : ids) parts << QString::number(id);
  return "{" + parts.join(",") + "}";
}

std::set<int> allIdsExcept(std::set<int> excluded) {
  std::set<int> out;
  for (int id = 1; id <= 31; ++id) {
    if (!excluded.count(id)) out.insert(id);
  }
  return out;
}

}  // namespace

class TestFilterEval : public QObject {
  Q_OBJECT
 private:
  std::vector<Flow> m_corpus;
  std::unique_ptr<ps::test::ContractDb> m_db;
  // The real store (engine/store) holding the same corpus: its reader runs the same SQL.
  std::string m_storeDir;
  std::unique_ptr<FlowStore> m_store;
  std::unique_ptr<FlowReader> m_reader;

  std::set<int64_t> storeIds(const SqlFilter& filter) {
    auto ids = m_reader->ids(filter);
    if (!ids.ok()) {
      qWarning("FlowReader: %s", ids.error().message.c_str());
      return {-1};
    }
    return std::set<int64_t>(ids.value().begin(), ids.value().end());
  }

 private slots:
  void initTestCase() {
    m_corpus = buildCorpus();
    QCOMPARE(m_corpus.size(), size_t(31));
    m_db = std::make_unique<ps::test::ContractDb>();
    for (const auto& f : m_corpus) QVERIFY(m_db->insert(f));
    QCOMPARE(m_db->query({}).size(), size_t(31));

    m_storeDir = ps::test::makeTempDir("filter-eval");
    StoreOptions options;
    options.mode = OpenMode::Create;
    auto store = FlowStore::open(m_storeDir + "/corpus.pxsession", options);
    QVERIFY2(store.ok(), store.ok() ? "" : store.error().message.c_str());
    m_store = std::move(store.value());
    auto inserted = m_store->insert(m_corpus, false);
    QVERIFY2(inserted.ok(), inserted.ok() ? "" : inserted.error().message.c_str());
    auto reader = m_store->openReader();
    QVERIFY(reader.ok());
    m_reader = std::move(reader.value());
    QCOMPARE(storeIds({}).size(), size_t(31));
  }

  void cleanupTestCase() {
    m_reader.reset();
    m_store.reset();
    if (!m_storeDir.empty()) QDir(QString::fromStdString(m_storeDir)).removeRecursively();
  }

  void table_data() {
    QTest::addColumn<QString>("expr");
    QTest::addColumn<QString>("expected");
    auto row = [](const char* expr, std::set<int> ids) {
      QTest::newRow(expr) << QString::fromUtf8(expr) << idList(ids);
    };
    const std::set<int> http = allIdsExcept({10, 11});
    row("", allIdsExcept({}));
    // host / method / scheme
    row("host:api.example", {1, 2, 7, 8, 12, 20, 22, 23, 26, 28});
    row("host:=API.example.com", {1, 2, 7, 8, 12, 20, 22, 23, 26, 28});
    row("host:~^api\\.", {1, 2, 7, 8, 12, 20, 22, 23, 26, 28});
    row("host:example.net", {4, 5, 6, 24, 29});
    row("-host:example", {9, 10, 13, 14, 15, 31});
    row("host:MIXED", {16});
    row("host:~^mixed\\.example", {16});
    row("host:bücher", {19});
    row("host:BÜCHER", {});  // ASCII-only case folding, like SQLite
    row("method:post", {2, 15, 20, 26, 27, 28});
    row("method:~^P", {2, 8, 15, 20, 26, 27, 28});
    row("method:CONNECT", {10});
    row("scheme:https", {2, 3, 4, 6, 7, 10, 16, 19, 23, 24, 26, 28, 29});
    row("port:8080", {13, 14, 15, 31});
    row("port:>=1024", {13, 14, 15, 31});
    row("id:20-22", {20, 21, 22});
    // status: flows without a response (9, 26) never match, and their negation does
    row("status:>=400", {2, 8, 14, 18, 25, 28});
    row("status:4xx", {2, 18, 28});
    row("status:4xx or status:5xx", {2, 8, 14, 18, 25, 28});
    row("status:200-299", {1, 3, 4, 6, 7, 10, 12, 13, 15, 16, 17, 19, 20, 21, 22, 23, 24, 29, 30, 31});
    row("status:<300", {1, 3, 4, 6, 7, 10, 11, 12, 13, 15, 16, 17, 19, 20, 21, 22, 23, 24, 29, 30, 31});
    row("-status:2xx", {2, 5, 8, 9, 11, 14, 18, 25, 26, 27, 28});
    row("not status:>0", {9, 26});
    // path / url: % and _ are literal
    row("path:/v1/users", {1, 7, 8, 12, 23});
    row("path:page", {});
    row("url:page=2", {1, 12});
    row("path:100%_off", {17});
    row("path:_", {17});
    row("path:%", {17});
    row("path:~\\.(js|css)$", {5, 6, 24});
    row("path:=/", {3, 9});
    row("url:https://api", {2, 7, 23, 26, 28});
    row("url::8080/", {13, 14, 15, 31});
    row("url:~^http://\\[::1\\]", {31});
    row("url:größe", {19});
    // content types
    row("type:json", {1, 2, 12, 13, 15, 21, 26, 28});
    row("mime:html", {3, 17, 18, 19});
    row("type:image", {4});
    row("type:css", {5});
    row("type:js", {6, 24});
    row("type:xml", {30});
    row("type:text", {3, 5, 8, 14, 16, 17, 18, 19, 20, 22, 24, 25, 31});
    row("type:font", {29});
    row("type:form", {27});
    row("type:application/json", {1, 2, 12, 13, 15, 21, 26});
    row("mime:=text/plain", {8, 14, 16, 20, 22, 25, 31});
    row("type:rss", {30});
    row("req.type:json", {2, 8, 26, 28});
    row("res.type:json", {1, 2, 12, 13, 15, 21, 28});
    row("res.type:~^text/", {3, 5, 8, 14, 16, 17, 18, 19, 22, 24, 25, 31});
    // sizes and durations
    row("size:>10k", {4, 6, 29});
    row("size:0", {5, 7, 9, 10, 11, 20, 22, 23, 26, 27});
    row("res.size:<=1.5MB", allIdsExcept({}));
    row("size:1k-20000b", {4, 6, 21});
    row("req.size:>1M", {15});
    row("req.size:>0", {2, 8, 15, 20, 26, 27, 28});
    row("duration:>500ms", {3, 8, 10, 11, 15, 25, 26});
    row("duration:>1s", {8, 10, 11, 15, 25, 26});
    row("duration:<200us", {14});
    row("duration:<=1ms", {14, 24});
    row("duration:5", {9});
    // headers: duplicates, odd case, quotes
    row("header:set-cookie", {1, 12});
    row("res.header:Set-Cookie=theme=dark", {1, 12});
    row("res.header:set-cookie:SID", {1, 12});
    row("req.header:Set-Cookie", {});
    row("header:x-request-id=def-456", {16});
    row("header:X-REQUEST-ID=abc-123", {16});
    row("header:x-request-id=~^ABC", {16});
    row("header:upgrade=websocket", {11});
    row("header:X-Note=\"say \\\"hi\\\" \\\\ bye\"", {20});
    row("header:x-note:\"\\\"hi\\\"\"", {20});
    row("header:accept", {1, 12});
    row("header:age", {24});
    row("-header:content-type", {7, 9, 10, 11, 23});
    row("res.header:location:thanks", {27});
    // bodies: decoded gzip/br/zstd, binary skipped, truncated gzip partly decoded
    row("body:hunter2", {2});
    row("res.body:ann", {1, 12, 30});  // 30: "channel"
    row("body:ann", {1, 8, 12, 30});
    row("body:\"bad credentials\"", {2});
    row("body:welcome", {3});
    row("body:png", {});
    row("body:\"db timeout\"", {8});
    row("body:alpha", {21});
    row("body:\"100%\"", {17});
    row("body:left_early", {20});
    row("body:left%early", {});
    row("body:größe", {19});
    row("body:~\"\\\"item\\\":\\\\s*\\\"lamp\\\"\"", {13});
    row("body:ready", {6});
    // backend, client, flags and tags
    row("backend:api", {13, 15});
    row("backend:=api-1", {13});
    row("client:10.0.0", {13, 14});
    row("client:[::1]", {31});
    row("is:error", {9, 14, 25, 26});
    row("-is:error", allIdsExcept({9, 14, 25, 26}));
    row("is:replay", {12});
    row("is:intercepted", {7, 26});
    row("is:websocket", {11});
    row("is:tunnel", {10});
    row("is:http", http);
    row("is:reverse", {13, 14, 15});
    row("is:cached", {24});
    row("is:PINNED", {30});
    row("is:nothing", {});
    // full text: url, headers, decoded text bodies; token phrases, last token a prefix
    row("example", allIdsExcept({9, 10, 14, 15, 31}));
    row("\"Welcome Home\"", {3});
    row("welc", {3});
    row("\"home welcome\"", {});
    // Body phrases: the body index finds flows holding every token; the phrase is checked in the
    // text (in order, adjacent, within one body, the last token a prefix).
    row("\"title welcome\"", {3});
    row("\"welcome ho\"", {3});
    row("\"bad credentials\"", {2});
    row("\"hunter2 error\"", {});  // the end of the request body, the start of the response's
    row("hunter2", {2});
    row("credentials", {2});
    row("alpha", {21});
    row("lamp", {13});
    row("\"ann smith\"", {1, 12});
    row("ann smith", {1, 12});
    row("ann", {1, 8, 12});
    row("größe", {19});
    row("schön", {19});
    row("websocket", {11});
    row("\"set-cookie\"", {1, 12});
    row("v1", {1, 2, 7, 8, 12, 20, 23, 26, 28});
    row("/v1/users", {1, 7, 8, 12, 23});
    row("abc", {1, 5, 12, 16});
    row("\"and\"", {20});
    // combinations and precedence
    row("host:api.example.com status:>=400", {2, 8, 28});
    row("host:api.example.com and (method:post or method:put) -is:error", {2, 8, 20, 28});
    row("not (is:reverse or scheme:https)", {1, 5, 8, 9, 11, 12, 17, 18, 20, 21, 22, 25, 27, 30, 31});
    row("type:json -body:ann", {2, 13, 15, 21, 26, 28});
    row("example -host:example", {13});
    row("is:error or status:4xx type:json", {2, 9, 14, 25, 26, 28});
    row("(is:error or status:4xx) type:json", {2, 26, 28});
    row("not not is:tunnel", {10});
  }

  void table() {
    QFETCH(QString, expr);
    QFETCH(QString, expected);
    auto parsed = parseFilter(expr.toStdString());
    QVERIFY2(parsed.ok(), parsed.error.message.c_str());
    std::set<int> memory;
    for (const auto& f : m_corpus) {
      if (parsed.filter->matches(f)) memory.insert(static_cast<int>(f.id));
    }
    QCOMPARE(idList(memory), expected);
    const SqlFilter sql = parsed.filter->toSql();
    QCOMPARE(idList(m_db->query(sql)), expected);
    QCOMPARE(idList(storeIds(sql)), expected);
  }

  // Random combinations of atoms from the table: the two evaluators must agree on every one.
  void randomCombinationsAgree() {
    const char* atoms[] = {"host:api.example",
                           "-host:example",
                           "method:~^P",
                           "status:4xx",
                           "status:<300",
                           "path:100%_off",
                           "url::8080/",
                           "type:json",
                           "type:text",
                           "size:0",
                           "size:>10k",
                           "duration:>1s",
                           "header:set-cookie",
                           "header:x-request-id=~^ABC",
                           "-header:content-type",
                           "body:ann",
                           "res.body:~lamp",
                           "is:error",
                           "is:replay",
                           "is:cached",
                           "backend:api",
                           "example",
                           "\"ann smith\"",
                           "v1",
                           "abc",
                           "größe",
                           "client:10.0.0",
                           "req.size:>0"};
    const int atomCount = static_cast<int>(std::size(atoms));
    std::mt19937 gen(20261127);
    auto pick = [&](int n) { return static_cast<int>(gen() % static_cast<unsigned>(n)); };
    std::function<std::string(int)> expr = [&](int depth) -> std::string {
      if (depth == 0 || pick(3) == 0) return atoms[pick(atomCount)];
      switch (pick(4)) {
        case 0:
          return expr(depth - 1) + " " + expr(depth - 1);
        case 1:
          return expr(depth - 1) + " or " + expr(depth - 1);
        case 2:
          return "-(" + expr(depth - 1) + ")";
        default:
          return "(" + expr(depth - 1) + " or not " + expr(depth - 1) + ")";
      }
    };
    int nonTrivial = 0;
    for (int i = 0; i < 400; ++i) {
      const std::string text = expr(4);
      auto parsed = parseFilter(text);
      QVERIFY2(parsed.ok(), (text + ": " + parsed.error.message).c_str());
      std::set<int64_t> memory;
      for (const auto& f : m_corpus) {
        if (parsed.filter->matches(f)) memory.insert(static_cast<int64_t>(f.id));
      }
      const auto sql = m_db->query(parsed.filter->toSql());
      QVERIFY2(memory == sql,
               (text + " memory " + idList(memory).toStdString() + " sql " + idList(sql).toStdString()).c_str());
      const auto stored = storeIds(parsed.filter->toSql());
      QVERIFY2(memory == stored,
               (text + " memory " + idList(memory).toStdString() + " store " + idList(stored).toStdString()).c_str());
      nonTrivial += !memory.empty() && memory.size() < m_corpus.size();
    }
    QVERIFY(nonTrivial > 100);  // the combinations actually discriminate
  }

  void sqlFunctions() {
    sqlite3_stmt* st = m_db->prepare(
        "SELECT header_value('[[\"A\",\"1\"],[\"x-Id\",\"q\\\"\\u00e9\"],[\"X-ID\",\"2\"]]', 'X-id'),"
        " header_value(NULL, 'a'), header_value('[]', 'a'), header_value('not json', 'a'),"
        " header_has('[[\"A\",\"One\"],[\"a\",\"two\"]]', 'a', 'TWO', 'eq'),"
        " header_has('[[\"A\",\"One\"]]', 'a', NULL, 'eq'),"
        " header_has('[[\"A\",\"One\"]]', 'b', NULL, 'eq'),"
        " header_has('[[\"A\",\"prefix-One\"]]', 'a', 'x-o', 'contains'),"
        " header_has('[[\"A\",\"prefix-One\"]]', 'a', '^PREFIX', 'regex'),"
        " 'Hello' REGEXP '^h.l', regexp('x$', 'abc'), regexp('a', NULL)");
    QVERIFY(st);
    QCOMPARE(sqlite3_step(st), SQLITE_ROW);
    QCOMPARE(QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))), QString::fromUtf8("q\"é"));
    QCOMPARE(sqlite3_column_type(st, 1), SQLITE_NULL);
    QCOMPARE(sqlite3_column_type(st, 2), SQLITE_NULL);
    QCOMPARE(sqlite3_column_type(st, 3), SQLITE_NULL);
    const int expected[] = {1, 1, 0, 1, 1, 1, 0, 0};
    for (int i = 0; i < 8; ++i) QCOMPARE(sqlite3_column_int(st, 4 + i), expected[i]);
    sqlite3_finalize(st);

    st = m_db->prepare("SELECT regexp('(', 'x')");
    QVERIFY(st);
    QCOMPARE(sqlite3_step(st), SQLITE_ERROR);
    QVERIFY(QString(sqlite3_errmsg(m_db->handle())).contains("invalid regular expression"));
    sqlite3_finalize(st);

    // Registering twice is harmless (each function owns its pattern cache).
    registerSqlFunctions(m_db->handle());
    QCOMPARE(m_db->query(parseFilter("header:x-request-id=~^abc host:~mixed").filter->toSql()), std::set<int64_t>{16});
  }

  // Body text follows the store's rule (engine/store/body_text.h) in both evaluators.
  // The phrase scan over a text (body_phrase(), the in-memory evaluator) agrees with tokenizing the
  // whole text first, on random texts: case, separators, non-ASCII bytes, prefixes, repeats.
  void phraseScanAgreesWithTokenLists() {
    std::mt19937 rng(7);
    const std::string pieces[] = {"ab", "AB", "a", "b", "abc", "1", " ", "-", ".", "\xc3\xa9", "\"", "  "};
    auto randomText = [&](int n) {
      std::string t;
      for (int i = 0; i < n; ++i) t += pieces[rng() % std::size(pieces)];
      return t;
    };
    int hits = 0;
    for (int i = 0; i < 20000; ++i) {
      const std::string text = randomText(static_cast<int>(rng() % 24));
      const std::vector<std::string> query = fullTextTokens(randomText(1 + static_cast<int>(rng() % 6)));
      if (query.empty()) continue;
      std::vector<std::string_view> tokens;
      appendTextTokens(text, tokens);
      const bool expected = containsPhrase(tokens, query);
      hits += expected ? 1 : 0;
      QVERIFY2(textContainsPhrase(text, query) == expected, (text + " | " + query.front()).c_str());
    }
    QVERIFY(hits > 1000);  // both answers are exercised
  }

  void bodyTextRule() {
    QVERIFY(isTextualMediaType("application/problem+json"));
    QVERIFY(!isTextualMediaType("multipart/form-data; boundary=XyZ"));
    auto parsed = parseFilter("req.body:upload");  // flow 15's multipart body is not text
    QVERIFY(parsed.ok());
    for (const auto& f : m_corpus) QVERIFY(!parsed.filter->matches(f));
    QVERIFY(m_db->query(parsed.filter->toSql()).empty());
  }

  // Regexes run on PCRE2 (heap backtracking, match limit): patterns that overflow libstdc++'s
  // recursive std::regex on long subjects must neither crash nor differ between evaluators.
  void longSubjectsDoNotOverflowTheStack() {
    Flow f = make(1000, "POST", "http", "big.test", 80, "/", 1000);
    f.request.headers = {{"Content-Type", "text/plain"}};
    setBody(f.request.body, std::string(300000, 'a'));
    ps::test::ContractDb db;
    QVERIFY(db.insert(f));
    const std::pair<const char*, bool> cases[] = {
        {"body:~(a|b)*z", false}, {"body:~(a|b)*$", true}, {"body:~^a*$", true}, {"body:~(a+)+b", false}};
    for (const auto& [text, expected] : cases) {
      auto parsed = parseFilter(text);
      QVERIFY2(parsed.ok(), text);
      QCOMPARE(parsed.filter->matches(f), expected);
      QCOMPARE(db.query(parsed.filter->toSql()).size(), size_t(expected ? 1 : 0));
    }
  }

  void filtersAreSharedAcrossThreads() {
    auto parsed = parseFilter("host:~^api\\. body:ann or \"welcome home\"");
    QVERIFY(parsed.ok());
    const Filter filter = *parsed.filter;  // copies share one immutable tree
    std::atomic<int> hits{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int round = 0; round < 50; ++round) {
          for (const auto& f : m_corpus) hits += filter.matches(f) ? 1 : 0;
        }
      });
    }
    for (auto& t : threads) t.join();
    QCOMPARE(hits.load(), 4 * 50 * 4);  // flows 1, 8, 12 (api host, body "ann") and 3 (welcome home)
  }
};

QTEST_APPLESS_MAIN(TestFilterEval)
#include "test_filter_eval.moc"
