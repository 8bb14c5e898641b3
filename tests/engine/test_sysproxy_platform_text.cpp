// The platform-neutral parts of the macOS (networksetup) and Windows (WinINet) system-proxy
// backends: parsing what networksetup prints, the command lines they run, the WinINet strings.
#include <QtTest>

#include "engine/sysproxy/networksetup_text.h"
#include "engine/sysproxy/wininet_text.h"

using namespace ps::engine;
using Argv = std::vector<std::string>;

class TestSysproxyPlatformText : public QObject {
  Q_OBJECT

 private slots:
  void networkServices() {
    auto services = parseNetworkServices(
        "An asterisk (*) denotes that a network service is disabled.\n"
        "Wi-Fi\n"
        "*Bluetooth PAN\n"
        "Thunderbolt Bridge\n"
        "USB 10/100/1000 LAN\n");
    QCOMPARE(services, (std::vector<std::string>{"Wi-Fi", "Thunderbolt Bridge", "USB 10/100/1000 LAN"}));
  }

  void webProxyOutput() {
    auto on = parseNetworksetupProxy("Enabled: Yes\nServer: proxy.corp\nPort: 3128\nAuthenticated Proxy Enabled: 0\n");
    QVERIFY(on.has_value());
    QCOMPARE(*on, (NetworksetupProxy{true, "proxy.corp", 3128}));
    auto off = parseNetworksetupProxy("Enabled: No\nServer: \nPort: 0\nAuthenticated Proxy Enabled: 0\n");
    QVERIFY(off.has_value());
    QCOMPARE(*off, (NetworksetupProxy{false, "", 0}));
    QVERIFY(!parseNetworksetupProxy("** Error: The parameters were not valid.\n"));
  }

  void bypassDomains() {
    QCOMPARE(parseBypassDomains("*.local\n169.254/16\n"), (std::vector<std::string>{"*.local", "169.254/16"}));
    QVERIFY(parseBypassDomains("There aren't any bypass domains set on Wi-Fi.\n").empty());
  }

  void journalValueRoundTrip() {
    for (const auto& p : {NetworksetupProxy{true, "proxy.corp", 3128}, NetworksetupProxy{false, "", 0},
                          NetworksetupProxy{false, "old.proxy", 8080}}) {
      auto back = decodeNetworksetupProxy(encodeNetworksetupProxy(p));
      QVERIFY(back.has_value());
      QCOMPARE(*back, p);
    }
    QCOMPARE(encodeNetworksetupProxy({true, "proxy.corp", 3128}), std::string("on proxy.corp 3128"));
    QVERIFY(!decodeNetworksetupProxy("maybe x 1"));
    QVERIFY(!decodeNetworksetupProxy("on x"));
  }

  void commandLines() {
    auto set = networksetupSetProxy("Wi-Fi", "secureweb", {true, "127.0.0.1", 8080});
    QCOMPARE(set.size(), size_t(2));
    QCOMPARE(set[0], (Argv{"networksetup", "-setsecurewebproxy", "Wi-Fi", "127.0.0.1", "8080"}));
    QCOMPARE(set[1], (Argv{"networksetup", "-setsecurewebproxystate", "Wi-Fi", "on"}));
    // A prior "off" without a server: only the state goes back.
    auto off = networksetupSetProxy("Wi-Fi", "web", {false, "", 0});
    QCOMPARE(off.size(), size_t(1));
    QCOMPARE(off[0], (Argv{"networksetup", "-setwebproxystate", "Wi-Fi", "off"}));
    QCOMPARE(networksetupSetBypass("Wi-Fi", {}), (Argv{"networksetup", "-setproxybypassdomains", "Wi-Fi", "Empty"}));
    QCOMPARE(networksetupSetBypass("Wi-Fi", {"localhost", "*.local"}),
             (Argv{"networksetup", "-setproxybypassdomains", "Wi-Fi", "localhost", "*.local"}));
  }

  void winInetStrings() {
    QCOMPARE(winInetProxyServer("127.0.0.1", 8080), std::string("http=127.0.0.1:8080;https=127.0.0.1:8080"));
    QCOMPARE(winInetProxyServer("::1", 8080), std::string("http=[::1]:8080;https=[::1]:8080"));
    QCOMPARE(winInetBypass({"localhost", "127.0.0.0/8", "::1", "10.1.0.0/16"}), std::string("localhost;127.*;[::1];10.1.*"));
    QCOMPARE(winInetHttpProxy("proxy.corp:3128"), std::string("proxy.corp:3128"));
    QCOMPARE(winInetHttpProxy("https=s.corp:443;http=p.corp:8080"), std::string("p.corp:8080"));
    QCOMPARE(winInetHttpProxy("https=s.corp:443"), std::string());
    QCOMPARE(winInetBypassEntries("<local>;127.*;10.1.*;*.corp;[::1]"),
             (std::vector<std::string>{"127.0.0.0/8", "10.1.0.0/16", "*.corp", "::1"}));
  }
};

QTEST_APPLESS_MAIN(TestSysproxyPlatformText)
#include "test_sysproxy_platform_text.moc"
