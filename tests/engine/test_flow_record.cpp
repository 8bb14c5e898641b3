// The staging file's flow record (engine/store/flow_record.h): every field of a Flow survives a
// round trip, and a damaged record (cut anywhere, bytes appended, a foreign version, absurd counts)
// is an error, never a crash or a read past its end.
#include <QtTest>

#include <random>

#include "engine/store/flow_record.h"

using namespace ps::engine;

namespace {

Request request(const std::string& tag) {
  Request r;
  r.method = "POST-" + tag;
  r.target = "http://target.test/" + tag + "?q=1";
  r.scheme = "https";
  r.host = "host-" + tag + ".test";
  r.port = 65535;
  r.path = "/" + tag + "?q=1";
  r.versionMajor = 1;
  r.versionMinor = 0;
  r.headers.add("Content-Type", "application/x-" + tag);
  r.headers.add("X-Dup", "one");
  r.headers.add("x-dup", "two");
  r.headers.add("X-Empty", "");
  r.body.captured = std::string("\0\x01\xff", 3) + " binary " + tag;
  r.body.size = 1ull << 40;  // counted far beyond what was kept
  return r;
}

Response response(const std::string& tag) {
  Response r;
  r.status = 599;
  r.reason = "Reason " + tag;
  r.versionMajor = 2;
  r.versionMinor = 0;
  r.headers.add("Server", "srv-" + tag);
  r.body.captured = "response body " + tag;
  r.body.size = r.body.captured.size();
  return r;
}

// A flow with every field set to a value of its own (so a field read into its neighbour shows).
Flow everyField() {
  Flow f;
  f.id = (1ull << 53) + 7;
  f.connectionId = 42;
  f.mode = ProxyMode::Reverse;
  f.kind = FlowKind::WebSocket;
  f.clientAddress = "[::1]:54321";
  f.serverAddress = "127.0.0.1:8081";
  f.request = request("req");
  f.response = response("res");
  f.timing = {1700000000000001, 1700000000000002, 3, 4, 5, 6, 7, 8, 1700000000000009};
  f.timing.dnsDone = -5;  // a clock before 1970 still comes back exact
  f.error = FlowError{ErrorKind::UpstreamTimeout, "upstream 127.0.0.1:8081 was silent for 30 s"};
  f.tags = {"intercepted", "replay", ""};
  f.backend = "b2";
  f.attempts = {{"b1", "", "connect-failed", "refused", 10, 11}, {"b2", "127.0.0.1:8081", "ok", "", 12, 13}};
  f.replayOf = 41;
  f.bytesFromClient = 123456789012;
  f.bytesToClient = 987654321;
  f.extensions = R"({"entry":{"_x":1}})";
  f.originalRequest = request("orig");
  f.originalResponse = response("orig");
  return f;
}

std::string encoded(const Flow& f) {
  std::string out;
  encodeFlowRecord(f, out);
  return out;
}

}  // namespace

class TestFlowRecord : public QObject {
  Q_OBJECT
 private slots:
  void everyFieldRoundTrips() {
    const Flow f = everyField();
    const std::string record = encoded(f);
    auto back = decodeFlowRecord(record);
    QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
    QCOMPARE(encoded(*back), record);  // every field, in order
    QCOMPARE(back->id, f.id);
    QCOMPARE(back->request.target, f.request.target);
    QCOMPARE(back->request.path, f.request.path);
    QCOMPARE(back->request.port, uint16_t{65535});
    QVERIFY(back->request.headers == f.request.headers);
    QCOMPARE(back->request.body.captured, f.request.body.captured);
    QCOMPARE(back->request.body.size, f.request.body.size);
    QCOMPARE(back->response->status, 599);
    QCOMPARE(back->timing.dnsDone, int64_t{-5});
    QCOMPARE(back->timing.end, f.timing.end);
    QCOMPARE(back->error->kind, ErrorKind::UpstreamTimeout);
    QCOMPARE(back->tags, f.tags);
    QCOMPARE(back->attempts.size(), size_t{2});
    QCOMPARE(back->attempts[0].outcome, std::string("connect-failed"));
    QCOMPARE(back->attempts[1].end, int64_t{13});
    QCOMPARE(back->originalRequest->method, std::string("POST-orig"));
    QCOMPARE(back->originalResponse->reason, std::string("Reason orig"));
    QCOMPARE(back->extensions, f.extensions);
  }

  void anEmptyFlowRoundTrips() {
    const Flow f;  // no response, no error, nothing optional
    auto back = decodeFlowRecord(encoded(f));
    QVERIFY(back.ok());
    QVERIFY(!back->response && !back->error && !back->originalRequest && !back->originalResponse);
    QCOMPARE(encoded(*back), encoded(f));
  }

  void aRecordCutAnywhereIsAnError() {
    const std::string record = encoded(everyField());
    for (size_t n = 0; n < record.size(); ++n) {
      auto r = decodeFlowRecord(std::string_view(record).substr(0, n));
      QVERIFY2(!r.ok(), ("a record cut to " + std::to_string(n) + " bytes was accepted").c_str());
    }
    auto longer = decodeFlowRecord(record + "x");
    QVERIFY(!longer.ok());
    QVERIFY(QString::fromStdString(longer.error().message).contains("bytes after its last field"));
  }

  void aForeignVersionIsRefused() {
    std::string record = encoded(everyField());
    record[0] = 2;
    auto r = decodeFlowRecord(record);
    QVERIFY(!r.ok());
    QVERIFY(QString::fromStdString(r.error().message).contains("unknown version 2"));
  }

  void randomDamageNeverReadsPastTheRecord() {
    // Flipped bytes turn lengths and counts into anything (2^63 fields, a port of 70000, an enum
    // beyond its last value): the decoder must refuse or decode, within the bytes it was given.
    const std::string record = encoded(everyField());
    std::mt19937 rng(7);
    int refused = 0;
    for (int i = 0; i < 20000; ++i) {
      std::string damaged = record;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < flips; ++k) damaged[rng() % damaged.size()] = static_cast<char>(rng());
      // A copy in a buffer of its own size, so a read past the end is caught by ASan builds.
      const std::unique_ptr<char[]> exact(new char[damaged.size()]);
      std::memcpy(exact.get(), damaged.data(), damaged.size());
      auto r = decodeFlowRecord(std::string_view(exact.get(), damaged.size()));
      if (!r.ok()) {
        ++refused;
      } else {
        // What was accepted is a whole flow (a varint may have come in a longer form than needed).
        const std::string again = encoded(*r);
        QVERIFY(again.size() <= damaged.size());
        QCOMPARE(encoded(decodeFlowRecord(again).value()), again);
      }
    }
    QVERIFY(refused > 1000);
  }

  void hugeCountsAreRefusedWithoutAllocating() {
    // version 1, then ids and enums, then a header count of 2^62 in a record of a few bytes.
    std::string record = encoded(Flow{});
    const size_t headerCountAt = 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1;
    QCOMPARE(static_cast<int>(record[headerCountAt]), 0);  // request headers of an empty flow
    record.replace(headerCountAt, 1, "\xff\xff\xff\xff\xff\xff\xff\xff\x3f");
    auto r = decodeFlowRecord(record);
    QVERIFY(!r.ok());
  }
};

QTEST_APPLESS_MAIN(TestFlowRecord)
#include "test_flow_record.moc"
