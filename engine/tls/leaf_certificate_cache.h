#pragma once
// LeafCertificateCache: issues per-host leaf certificates on demand and keeps the most recently
// used ones in memory (thread-safe LRU). All leaves share one key, generated at start-up (as
// mitmproxy does): issuing is then one ECDSA signature, well under a millisecond.
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/core/result.h"
#include "engine/tls/certificate_authority.h"

namespace ps::engine::tls {

class LeafCertificateCache {
 public:
  static constexpr size_t kDefaultCapacity = 1000;

  static Result<std::unique_ptr<LeafCertificateCache>> create(std::shared_ptr<const CertificateAuthority> ca,
                                                              size_t capacity = kDefaultCapacity);

  // The cached leaf for host, or a newly issued one. host as the client asked for it (SNI or
  // CONNECT authority host): case and brackets do not matter.
  Result<std::shared_ptr<X509>> leafFor(std::string_view host);

  EVP_PKEY* leafKey() const { return m_leafKey.get(); }  // never logged
  const CertificateAuthority& authority() const { return *m_ca; }
  size_t size() const;
  size_t capacity() const { return m_capacity; }
  uint64_t hits() const;
  uint64_t misses() const;

  LeafCertificateCache(std::shared_ptr<const CertificateAuthority> ca, PkeyPtr leafKey, size_t capacity);

 private:
  using Entry = std::pair<std::string, std::shared_ptr<X509>>;

  std::shared_ptr<const CertificateAuthority> m_ca;
  PkeyPtr m_leafKey;
  size_t m_capacity;
  mutable std::mutex m_mutex;
  std::list<Entry> m_lru;  // front = most recently used
  std::unordered_map<std::string, std::list<Entry>::iterator> m_index;
  uint64_t m_hits = 0;
  uint64_t m_misses = 0;
};

}  // namespace ps::engine::tls
