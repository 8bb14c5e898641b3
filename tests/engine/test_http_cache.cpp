// The RFC 9111 subset of HttpCache and the token buckets, with time passed in explicitly.
#include <QtTest>

#include "engine/policy/http_cache.h"
#include "engine/policy/token_bucket.h"

using namespace ps::engine;
using namespace std::chrono_literals;

namespace {
Request get(const std::string& path, Headers h = {}) {
  Request r;
  r.method = "GET";
  r.scheme = "http";
  r.host = "origin.test";
  r.port = 80;
  r.path = path;
  r.headers = std::move(h);
  return r;
}
Response ok(Headers h, const std::string& body = "hello") {
  Response r;
  r.status = 200;
  r.headers = std::move(h);
  r.body.captured = body;
  r.body.size = body.size();
  return r;
}
}  // namespace

class TestHttpCache : public QObject {
  Q_OBJECT
 private slots:
  void freshResponseIsAHitUntilItsAgeRunsOut() {
    HttpCache cache;
    auto t0 = HttpCache::Clock::now();
    QVERIFY(cache.store(get("/a"), ok({{"Cache-Control", "max-age=60"}}), t0).storable);
    auto hit = cache.lookup(get("/a"), t0 + 30s);
    QCOMPARE(hit.outcome, HttpCache::Outcome::Hit);
    QCOMPARE(hit.entry->response.body.captured, std::string("hello"));
    // No validator: once stale it cannot be revalidated.
    QCOMPARE(cache.lookup(get("/a"), t0 + 61s).outcome, HttpCache::Outcome::Miss);
    QCOMPARE(cache.lookup(get("/other"), t0).outcome, HttpCache::Outcome::Miss);
  }

  void sMaxageWinsAndAgeHeaderCounts() {
    HttpCache cache;
    auto t0 = HttpCache::Clock::now();
    cache.store(get("/s"), ok({{"Cache-Control", "max-age=1000, s-maxage=10"}, {"Age", "5"}}), t0);
    QCOMPARE(cache.lookup(get("/s"), t0 + 4s).outcome, HttpCache::Outcome::Hit);
    QCOMPARE(cache.lookup(get("/s"), t0 + 6s).outcome, HttpCache::Outcome::Miss);  // 5 + 6 > 10
  }

  void expiresRelativeToDate() {
    Response r = ok({{"Date", "Sun, 06 Nov 1994 08:49:37 GMT"}, {"Expires", "Sun, 06 Nov 1994 08:50:37 GMT"}});
    QCOMPARE(freshnessLifetime(r).value_or(-1), int64_t(60));
    Response bad = ok({{"Expires", "0"}});
    QCOMPARE(freshnessLifetime(bad).value_or(-1), int64_t(0));
    QCOMPARE(freshnessLifetime(ok({})).has_value(), false);
  }

  void noStorePrivateAndOthersAreNotStored() {
    HttpCache cache;
    auto check = [&](Request req, Response res, const char* why) {
      auto d = cache.store(req, res);
      QVERIFY2(!d.storable, why);
      QVERIFY2(!d.reason.empty(), why);
    };
    check(get("/1"), ok({{"Cache-Control", "no-store, max-age=60"}}), "response no-store");
    check(get("/2", {{"Cache-Control", "no-store"}}), ok({{"Cache-Control", "max-age=60"}}), "request no-store");
    check(get("/3"), ok({{"Cache-Control", "private, max-age=60"}}), "private");
    check(get("/4"), ok({{"Cache-Control", "max-age=60"}, {"Vary", "*"}}), "vary star");
    check(get("/5", {{"Authorization", "Bearer x"}}), ok({{"Cache-Control", "max-age=60"}}), "authorization");
    check(get("/6"), ok({}), "no freshness, no validator");
    Request post = get("/7");
    post.method = "POST";
    check(post, ok({{"Cache-Control", "max-age=60"}}), "POST");
    Response partial = ok({{"Cache-Control", "max-age=60"}});
    partial.body.size = 1'000'000;  // larger than what was captured
    check(get("/8"), partial, "truncated");
    QCOMPARE(cache.entries(), size_t(0));
    QVERIFY(cache.store(get("/9", {{"Authorization", "Bearer x"}}), ok({{"Cache-Control", "public, max-age=60"}})).storable);
  }

  void varyKeepsOneVariantPerValue() {
    HttpCache cache;
    auto t0 = HttpCache::Clock::now();
    cache.store(get("/v", {{"Accept-Language", "en"}}), ok({{"Cache-Control", "max-age=60"}, {"Vary", "Accept-Language"}}, "hello"), t0);
    cache.store(get("/v", {{"Accept-Language", "fr"}}), ok({{"Cache-Control", "max-age=60"}, {"Vary", "accept-language"}}, "bonjour"), t0);
    auto en = cache.lookup(get("/v", {{"accept-language", "en"}}), t0);
    auto fr = cache.lookup(get("/v", {{"Accept-Language", "fr"}}), t0);
    QCOMPARE(en.outcome, HttpCache::Outcome::Hit);
    QCOMPARE(en.entry->response.body.captured, std::string("hello"));
    QCOMPARE(fr.entry->response.body.captured, std::string("bonjour"));
    QCOMPARE(cache.lookup(get("/v", {{"Accept-Language", "de"}}), t0).outcome, HttpCache::Outcome::Miss);
    QCOMPARE(cache.entries(), size_t(2));
  }

  void revalidationWith304() {
    HttpCache cache;
    auto t0 = HttpCache::Clock::now();
    cache.store(get("/r"), ok({{"Cache-Control", "max-age=10"}, {"ETag", "\"v1\""}, {"X-Old", "1"}}), t0);
    auto stale = cache.lookup(get("/r"), t0 + 20s);
    QCOMPARE(stale.outcome, HttpCache::Outcome::Stale);
    Headers forwarded;
    HttpCache::addValidators(*stale.entry, forwarded);
    QCOMPARE(std::string(*forwarded.get("If-None-Match")), std::string("\"v1\""));
    Response notModified;
    notModified.status = 304;
    notModified.headers = {{"Cache-Control", "max-age=100"}, {"X-Old", "2"}, {"Content-Length", "0"}};
    auto served = cache.revalidated(get("/r"), notModified, t0 + 20s);
    QVERIFY(served.has_value());
    QCOMPARE(served->status, 200);
    QCOMPARE(served->body.captured, std::string("hello"));
    QCOMPARE(std::string(*served->headers.get("X-Old")), std::string("2"));
    QCOMPARE(cache.lookup(get("/r"), t0 + 60s).outcome, HttpCache::Outcome::Hit);  // fresh again for 100 s
  }

  void noCacheAlwaysRevalidatesAndClientCanAsk() {
    HttpCache cache;
    auto t0 = HttpCache::Clock::now();
    QVERIFY(cache.store(get("/n"), ok({{"Cache-Control", "no-cache"}, {"Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"}}), t0).storable);
    QCOMPARE(cache.lookup(get("/n"), t0).outcome, HttpCache::Outcome::Stale);
    cache.store(get("/f"), ok({{"Cache-Control", "max-age=60"}, {"ETag", "\"x\""}}), t0);
    QCOMPARE(cache.lookup(get("/f", {{"Cache-Control", "no-cache"}}), t0).outcome, HttpCache::Outcome::Stale);
    QCOMPARE(cache.lookup(get("/f", {{"Pragma", "no-cache"}}), t0).outcome, HttpCache::Outcome::Stale);
    QCOMPARE(cache.lookup(get("/f"), t0).outcome, HttpCache::Outcome::Hit);
  }

  void byteCapEvictsLeastRecentlyUsedAndPurge() {
    HttpCache cache(40 * 1024);
    auto t0 = HttpCache::Clock::now();
    std::string body(8 * 1024, 'x');
    for (int i = 0; i < 10; ++i) cache.store(get("/big" + std::to_string(i)), ok({{"Cache-Control", "max-age=60"}}, body), t0);
    QVERIFY(cache.bytes() <= 40 * 1024);
    QCOMPARE(cache.lookup(get("/big0"), t0).outcome, HttpCache::Outcome::Miss);
    QCOMPARE(cache.lookup(get("/big9"), t0).outcome, HttpCache::Outcome::Hit);
    size_t before = cache.entries();
    QCOMPARE(cache.purge([](const std::string& url, const HttpCache::Entry&) { return url.find("big9") != std::string::npos; }), size_t(1));
    QCOMPARE(cache.entries(), before - 1);
    cache.purge();
    QCOMPARE(cache.entries(), size_t(0));
    QCOMPARE(cache.bytes(), size_t(0));
  }

  void tokenBucketLimitsAndRefills() {
    auto t0 = TokenBucket::Clock::now();
    KeyedRateLimiter limiter(2.0, 2.0);  // 2 per second, burst 2
    QCOMPARE(limiter.acquire("a", t0).count(), 0);
    QCOMPARE(limiter.acquire("a", t0).count(), 0);
    auto wait = limiter.acquire("a", t0);
    QVERIFY(wait.count() > 0);
    QVERIFY(wait <= 500ms);
    QCOMPARE(limiter.acquire("b", t0).count(), 0);  // other keys are independent
    QCOMPARE(limiter.acquire("a", t0 + 500ms).count(), 0);
    QCOMPARE(limiter.keys(), size_t(2));

    TokenBucket shaper(1000.0, 1000.0, t0);  // 1000 bytes/s
    QCOMPARE(shaper.reserve(1000, t0).count(), 0);
    auto delay = shaper.reserve(500, t0);
    QVERIFY(delay >= 499ms && delay <= 501ms);
  }
};

QTEST_APPLESS_MAIN(TestHttpCache)
#include "test_http_cache.moc"
