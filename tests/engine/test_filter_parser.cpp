// Filter language parser: every syntax form → canonical AST text; every error → message and the
// exact byte position/length the filter bar underlines; completion context; SQL compilation shape.
#include <QtTest>

#include "engine/query/filter.h"
#include "engine/query/filter_fields.h"
#include "engine/query/full_text.h"
#include "engine/query/sql_compiler.h"

using namespace ps::engine;

namespace {
QString canonicalOf(const char* text) {
  auto r = parseFilter(text);
  if (!r.ok()) return QString("ERROR@%1: %2").arg(r.error.position).arg(QString::fromStdString(r.error.message));
  return QString::fromStdString(r.filter->canonical());
}
}  // namespace

class TestFilterParser : public QObject {
  Q_OBJECT
 private slots:
  void syntaxForms_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("canonical");
    auto row = [](const char* in, const char* out) {
      QTest::newRow(in) << QString::fromUtf8(in) << QString::fromUtf8(out);
    };
    row("", "");
    row("   ", "");
    // text fields
    row("host:example", "host:contains(\"example\")");
    row("HOST:Example.COM", "host:contains(\"example.com\")");
    row("host:=api.example.com", "host:eq(\"api.example.com\")");
    row("host:~^api\\.", "host:regex(\"^api\\\\.\")");
    row("path:~\"a b\"", "path:regex(\"a b\")");
    row("path:\"/a b\"", "path:contains(\"/a b\")");
    row("path:\"say \\\"hi\\\"\"", "path:contains(\"say \\\"hi\\\"\")");
    row("path:~^/(a|b)/", "path:regex(\"^/(a|b)/\")");
    row("url:token=", "url:contains(\"token=\")");
    row("client:127.0.0.1", "client:contains(\"127.0.0.1\")");
    row("backend:api-1", "backend:contains(\"api-1\")");
    row("path:100%_off", "path:contains(\"100%_off\")");
    row("host:bücher", "host:contains(\"bücher\")");
    // exact fields
    row("method:get", "method:eq(\"get\")");
    row("method:~^P", "method:regex(\"^P\")");
    row("scheme:https", "scheme:eq(\"https\")");
    // numbers
    row("status:404", "status:[404,404]");
    row("status:>=400", "status:[400,*]");
    row("status:>400", "status:[401,*]");
    row("status:<300", "status:[*,299]");
    row("status:<=299", "status:[*,299]");
    row("status:=200", "status:[200,200]");
    row("status:4xx", "status:[400,499]");
    row("status:5XX", "status:[500,599]");
    row("status:200-299", "status:[200,299]");
    row("port:8080", "port:[8080,8080]");
    row("id:10-20", "id:[10,20]");
    row("size:>10k", "size:[10241,*]");
    row("size:>10K", "size:[10241,*]");
    row("res.size:<=1.5MB", "res.size:[*,1572864]");
    row("req.size:1k-2k", "req.size:[1024,2048]");
    row("size:0", "size:[0,0]");
    row("size:512b", "size:[512,512]");
    row("size:>1g", "size:[1073741825,*]");
    row("duration:>500ms", "duration:[500001,*]");
    row("duration:>1s", "duration:[1000001,*]");
    row("duration:<200us", "duration:[*,199]");
    row("duration:>=250", "duration:[250000,*]");
    row("duration:1m", "duration:[60000000,60000000]");
    row("duration:0.5ms-2ms", "duration:[500,2000]");
    // content types
    row("type:json", "type:family(json)");
    row("mime:image", "type:family(image)");
    row("type:application/json", "type:prefix(\"application/json\")");
    row("type:pdf", "type:family(pdf)");
    row("type:yaml", "type:contains(\"yaml\")");
    row("type:=text/plain", "type:eq(\"text/plain\")");
    row("res.type:~^text/", "res.type:regex(\"^text/\")");
    row("req.type:form", "req.type:family(form)");
    // headers
    row("header:X-Id", "header:exists(\"X-Id\")");
    row("header:accept=*/*", "header:eq(\"accept\",\"*/*\")");
    row("req.header:Cookie:SID", "req.header:contains(\"Cookie\",\"sid\")");
    row("res.header:Set-Cookie=~^sid=", "res.header:regex(\"Set-Cookie\",\"^sid=\")");
    row("header:accept=\"text/html, */*\"", "header:eq(\"accept\",\"text/html, */*\")");
    row("header:X-Empty=\"\"", "header:eq(\"X-Empty\",\"\")");
    // bodies
    row("body:error", "body:contains(\"error\")");
    row("req.body:\"pass word\"", "req.body:contains(\"pass word\")");
    row("res.body:~\"id\\\": ?4\"", "res.body:regex(\"id\\\": ?4\")");
    // flags
    row("is:error", "is:error");
    row("is:Replay", "is:replay");
    row("is:intercepted", "is:intercepted");
    row("is:websocket", "is:websocket");
    row("is:tunnel", "is:tunnel");
    row("is:reverse", "is:reverse");
    row("is:cached", "is:tag(\"cached\")");
    // full text
    row("hello", "text(\"hello\")");
    row("\"Hello World\"", "text(\"hello\",\"world\")");
    row("/api/v1", "text(\"api\",\"v1\")");
    row("http://example.com/x", "text(\"http\",\"example\",\"com\",\"x\")");
    row("größe", "text(\"größe\")");
    row("\"and\"", "text(\"and\")");
    // boolean structure
    row("a b", "(AND text(\"a\") text(\"b\"))");
    row("a and b AND c", "(AND text(\"a\") text(\"b\") text(\"c\"))");
    row("a or b", "(OR text(\"a\") text(\"b\"))");
    row("a OR b c", "(OR text(\"a\") (AND text(\"b\") text(\"c\")))");
    row("a b or c", "(OR (AND text(\"a\") text(\"b\")) text(\"c\"))");
    row("(a or b) c", "(AND (OR text(\"a\") text(\"b\")) text(\"c\"))");
    row("-a", "(NOT text(\"a\"))");
    row("not a b", "(AND (NOT text(\"a\")) text(\"b\"))");
    row("NOT (a or b)", "(NOT (OR text(\"a\") text(\"b\")))");
    row("-(host:x or status:5xx)", "(NOT (OR host:contains(\"x\") status:[500,599]))");
    row("not not a", "(NOT (NOT text(\"a\")))");
    row("--a", "(NOT (NOT text(\"a\")))");
    row("-is:replay host:api", "(AND (NOT is:replay) host:contains(\"api\"))");
    row("((host:a))", "host:contains(\"a\")");
    row("(host:a)or(host:b)", "(OR host:contains(\"a\") host:contains(\"b\"))");
    row("a or b or c", "(OR text(\"a\") text(\"b\") text(\"c\"))");
    row("host:a -status:4xx or method:POST is:error",
        "(OR (AND host:contains(\"a\") (NOT status:[400,499])) (AND method:eq(\"POST\") is:error))");
  }
  void syntaxForms() {
    QFETCH(QString, input);
    QFETCH(QString, canonical);
    QCOMPARE(canonicalOf(input.toUtf8().constData()), canonical);
  }

  void errors_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("message");  // a substring of the message
    QTest::addColumn<int>("position");
    QTest::addColumn<int>("length");
    auto row = [](const char* in, const char* msg, int pos, int len) {
      QTest::newRow(in) << QString::fromUtf8(in) << QString::fromUtf8(msg) << pos << len;
    };
    row("hots:example", "unknown field 'hots' (did you mean 'host'?)", 0, 4);
    row("a stauts:404", "did you mean 'status'?", 2, 6);
    row("res.heder:x", "did you mean 'res.header'?", 0, 9);
    row("zzzzzz:1", "unknown field 'zzzzzz'", 0, 6);
    row("\"abc", "unterminated quote", 0, 4);
    row("a \"b c", "unterminated quote", 2, 4);
    row("path:\"x", "unterminated quote", 5, 2);
    row("path:~\"x y", "unterminated quote", 6, 4);
    row("(a", "unbalanced '(': missing ')'", 0, 1);
    row("a (b or (c)", "unbalanced '(': missing ')'", 2, 1);
    row("a)", "unbalanced ')'", 1, 1);
    row(")", "unbalanced ')'", 0, 1);
    row("()", "empty parentheses", 0, 2);
    row("a ( ) b", "empty parentheses", 2, 3);
    row("a or", "nothing after 'or'", 2, 2);
    row("a and", "nothing after 'and'", 2, 3);
    row("or a", "nothing before 'or'", 0, 2);
    row("not", "nothing after 'not'", 0, 3);
    row("a - b", "nothing to negate", 2, 1);
    row("a -", "nothing to negate", 2, 1);
    row("(a -)", "nothing after '-'", 3, 1);
    row("host:", "empty value after 'host:'", 0, 5);
    row("a host: b", "empty value after 'host:'", 2, 5);
    row("host:~", "empty value after 'host:'", 0, 6);
    row("host:\"\"", "empty value after 'host:'", 0, 7);
    row("path:\"a\"b", "unexpected text after the closing quote", 8, 1);
    row("status:abc", "bad number 'abc' for 'status:'", 7, 3);
    row("status:4.5", "bad number '4.5'", 7, 3);
    row("status:>=", "missing number after '>='", 7, 2);
    row("status:~4", "regular expressions do not apply to 'status:'", 7, 1);
    row("status:300-200", "empty range", 7, 7);
    row("size:>10q", "unknown unit 'q' for 'size:' (use b, k, m, g)", 8, 1);
    row("size:1..5k", "bad number '1..5k'", 5, 5);
    row("duration:>5parsecs", "unknown unit 'parsecs'", 11, 7);
    row("duration:>fast", "bad number 'fast'", 10, 4);
    row("size:1k-2x", "unknown unit 'x'", 9, 1);
    row("host:~(unclosed", "invalid regular expression", 6, 9);
    row("path:~[a-", "invalid regular expression", 6, 3);
    row("header:", "missing header name", 0, 7);
    row("header:=x", "empty header name", 0, 9);
    row("header:X=~", "empty value after 'header:'", 0, 10);
    row("header:X-A:", "empty value after 'header:'", 0, 11);
    row("res.header:X=~\"(\"", "invalid regular expression", 14, 3);
    row("is:", "empty value after 'is:'", 0, 3);
    row("is:~x", "regular expressions do not apply to 'is:'", 3, 1);
    row("\"...\"", "nothing to search for", 0, 5);
    row("a ---", "nothing to negate", 4, 1);
    row("a \"-- ..\"", "nothing to search for", 2, 7);
  }
  void errors() {
    QFETCH(QString, input);
    QFETCH(QString, message);
    QFETCH(int, position);
    QFETCH(int, length);
    auto r = parseFilter(input.toStdString());
    QVERIFY2(!r.ok(), qPrintable("parsed as " + QString::fromStdString(r.ok() ? r.filter->canonical() : "")));
    const QString got = QString::fromStdString(r.error.message);
    QVERIFY2(got.contains(message), qPrintable(got));
    QCOMPARE(int(r.error.position), position);
    QCOMPARE(int(r.error.length), length);
  }

  void deepNestingIsRefused() {
    std::string deep(100, '(');
    deep += "a" + std::string(100, ')');
    QVERIFY(parseFilter(deep).ok());
    std::string tooDeep(100000, '(');
    tooDeep += "a" + std::string(100000, ')');
    auto r = parseFilter(tooDeep);
    QVERIFY(!r.ok());
    QVERIFY(r.error.message.find("nested too deeply") != std::string::npos);
    QCOMPARE(int(r.error.position), 100);
    auto nots = parseFilter(std::string(5000, '-') + "a");
    QVERIFY(!nots.ok());
  }

  void positionsAreBytes() {
    // The byte offset of the bad field after a two-byte UTF-8 character.
    auto r = parseFilter("ü hots:x");
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error.position), 3);
  }

  void utf16Offsets() {
    const std::string text = "ü 😀 hots:x";  // ü: 2 bytes/1 unit, 😀: 4 bytes/2 units
    auto r = parseFilter(text);
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error.position), 8);
    QCOMPARE(int(utf16Offset(text, r.error.position)), QString::fromUtf8("ü 😀 ").size());
    QCOMPARE(int(utf16Offset(text, 1000)), QString::fromStdString(text).size());
  }

  void referencesResponse() {
    for (const char* t : {"status:200", "host:a or type:json", "-size:0", "duration:>1s", "header:x", "body:x", "word",
                          "is:error", "is:cached", "res.header:x", "backend:a"}) {
      QVERIFY2(parseFilter(t).filter->referencesResponse(), t);
    }
    for (const char* t : {"", "host:a", "method:POST path:/x -url:y", "req.header:x req.body:y req.type:json",
                          "is:websocket is:reverse", "client:1 port:80 id:3 scheme:https", "req.size:>1k"}) {
      QVERIFY2(!parseFilter(t).filter->referencesResponse(), t);
    }
  }

  void fieldTableIsComplete() {
    const auto names = fieldNames();
    for (const char* f : {"host",       "method", "status",   "path",     "url",      "scheme", "mime",
                          "type",       "size",   "req.size", "res.size", "duration", "header", "req.header",
                          "res.header", "body",   "req.body", "res.body", "backend",  "client", "is"}) {
      QVERIFY2(std::find(names.begin(), names.end(), f) != names.end(), f);
      QVERIFY(lookupField(f).has_value());
    }
    for (const auto& info : filterFields()) {
      QVERIFY(!info.help.empty());
      QVERIFY(!info.syntax.empty());
    }
    QVERIFY(!valueSuggestions("method").empty());
    QVERIFY(!valueSuggestions("is").empty());
    QVERIFY(valueSuggestions("nope").empty());
  }

  void completion() {
    auto c = completionAt("status:4xx ho", 13);
    QCOMPARE(int(c.kind), int(FilterCompletion::Kind::FieldOrText));
    QCOMPARE(c.prefix, std::string("ho"));
    QCOMPARE(int(c.replaceStart), 11);
    QCOMPARE(int(c.replaceLength), 2);

    c = completionAt("status:4xx -method:P", 20);
    QCOMPARE(int(c.kind), int(FilterCompletion::Kind::Value));
    QCOMPARE(c.field, std::string("method"));
    QCOMPARE(c.prefix, std::string("P"));
    QCOMPARE(int(c.replaceStart), 19);

    c = completionAt("(res.header:Con and x", 15);  // cursor inside the value
    QCOMPARE(int(c.kind), int(FilterCompletion::Kind::Value));
    QCOMPARE(c.field, std::string("res.header"));
    QCOMPARE(c.prefix, std::string("Con"));
    QCOMPARE(int(c.replaceStart), 12);
    QCOMPARE(int(c.replaceLength), 3);

    c = completionAt("", 0);
    QCOMPARE(int(c.kind), int(FilterCompletion::Kind::FieldOrText));
    QCOMPARE(c.prefix, std::string());

    c = completionAt("a \"x y\" is:", 11);
    QCOMPARE(int(c.kind), int(FilterCompletion::Kind::Value));
    QCOMPARE(c.field, std::string("is"));
  }

  void sqlIsParameterised() {
    auto r = parseFilter("host:\"x' OR 1=1 --\" path:50%_off");
    QVERIFY(r.ok());
    const SqlFilter sql = r.filter->toSql();
    QVERIFY(sql.where.find("OR 1=1") == std::string::npos);
    QVERIFY(sql.where.find("50") == std::string::npos);
    QCOMPARE(sql.params.size(), size_t(2));
    QCOMPARE(std::get<std::string>(sql.params[0]), std::string("%x' or 1=1 --%"));
    QCOMPARE(std::get<std::string>(sql.params[1]), std::string("%50\\%\\_off%"));
    QCOMPARE(escapeLike("a\\b%c_d"), std::string("a\\\\b\\%c\\_d"));
    QVERIFY(parseFilter("").filter->toSql().where.empty());
  }

  void ftsQueryString() {
    QCOMPARE(ftsPhraseQuery(fullTextTokens("Hello, World")), std::string("\"hello world\"*"));
    QCOMPARE(ftsPhraseQuery(fullTextTokens("\"quoted\" AND")), std::string("\"quoted and\"*"));
  }
};

QTEST_APPLESS_MAIN(TestFilterParser)
#include "test_filter_parser.moc"
