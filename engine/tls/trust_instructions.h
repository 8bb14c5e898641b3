#pragma once
// How to make each platform's clients trust the Proxyscope CA (shown by `proxyscope ca export`
// and, later, by the UI's CA dialog).
#include <string>

namespace ps::engine::tls {

enum class TrustTarget { DebianUbuntu, FirefoxChromiumNss, MacOs, Windows };

// Step-by-step commands for one target, with certPath (a PEM file) filled in.
std::string trustInstructions(TrustTarget target, const std::string& certPath);
// All targets, each under a heading.
std::string allTrustInstructions(const std::string& certPath);

}  // namespace ps::engine::tls
