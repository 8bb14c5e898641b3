#include "tests/support/store_test_support.h"

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include <QtGlobal>

#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "engine/store/flow_reader.h"

namespace ps::test {

using namespace ps::engine;

Flow makeFlow(uint64_t id, const std::string& host, const std::string& path, int status, const std::string& responseBody) {
  Flow f;
  f.id = id;
  f.connectionId = id;
  f.clientAddress = "127.0.0.1:40000";
  f.serverAddress = "127.0.0.1:8080";
  f.request.method = "GET";
  f.request.scheme = "http";
  f.request.host = host;
  f.request.port = 80;
  f.request.path = path;
  f.request.target = "http://" + host + path;
  f.request.headers.add("Host", host);
  f.request.headers.add("User-Agent", "store-test/1");
  f.timing.start = 1'700'000'000'000'000 + static_cast<int64_t>(id) * 1000;
  f.timing.requestHeaders = f.timing.start + 10;
  f.timing.responseHeaders = f.timing.start + 200;
  f.timing.end = f.timing.start + 300 + static_cast<int64_t>(id % 97);
  Response r;
  r.status = status;
  r.reason = "OK";
  r.headers.add("Content-Type", "text/plain; charset=utf-8");
  r.headers.add("Content-Length", std::to_string(responseBody.size()));
  r.body.captured = responseBody;
  r.body.size = responseBody.size();
  f.response = std::move(r);
  return f;
}

std::string gzipEncode(const std::string& data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string brotliEncode(const std::string& data) {
  size_t size = BrotliEncoderMaxCompressedSize(data.size());
  std::string out(size, '\0');
  BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, data.size(),
                        reinterpret_cast<const uint8_t*>(data.data()), &size, reinterpret_cast<uint8_t*>(out.data()));
  out.resize(size);
  return out;
}

std::string zstdEncode(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  out.resize(n);
  return out;
}

std::string makeTempDir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp");
  return std::string(buf.data());
}

std::vector<uint64_t> sqlIds(const std::string& path, const std::string& sql) {
  std::vector<uint64_t> ids;
  auto reader = engine::FlowReader::open(path);
  if (!reader) return ids;
  auto stmt = (*reader)->db().prepare(sql);
  if (!stmt) return ids;
  while (true) {
    auto row = stmt->step();
    if (!row || !*row) break;
    ids.push_back(static_cast<uint64_t>(stmt->columnInt(0)));
  }
  return ids;
}

std::unique_ptr<ps::engine::FlowStore> createSession(const std::string& path, ps::engine::StoreOptions options) {
  options.mode = ps::engine::OpenMode::Create;
  auto store = ps::engine::FlowStore::open(path, options);
  if (!store) qFatal("cannot create %s: %s", path.c_str(), store.error().message.c_str());
  return std::move(*store);
}

}  // namespace ps::test
