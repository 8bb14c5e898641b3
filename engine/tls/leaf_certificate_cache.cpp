#include "engine/tls/leaf_certificate_cache.h"

#include "engine/tls/x509_builder.h"

namespace ps::engine::tls {

Result<std::unique_ptr<LeafCertificateCache>> LeafCertificateCache::create(
    std::shared_ptr<const CertificateAuthority> ca, size_t capacity) {
  if (!ca) return Error{"no certificate authority"};
  auto key = generateKey();
  if (!key) return key.error();
  return std::make_unique<LeafCertificateCache>(std::move(ca), std::move(*key), capacity ? capacity : 1);
}

LeafCertificateCache::LeafCertificateCache(std::shared_ptr<const CertificateAuthority> ca, PkeyPtr leafKey,
                                           size_t capacity)
    : m_ca(std::move(ca)), m_leafKey(std::move(leafKey)), m_capacity(capacity) {}

Result<std::shared_ptr<X509>> LeafCertificateCache::leafFor(std::string_view rawHost) {
  std::string host = normalizeHost(rawHost);
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_index.find(host); it != m_index.end()) {
      m_lru.splice(m_lru.begin(), m_lru, it->second);
      ++m_hits;
      return it->second->second;
    }
    ++m_misses;
  }
  // Signed outside the lock so a new host never stalls look-ups of cached ones. Two threads
  // racing on the same new host both sign; the first insert wins and both get a valid leaf.
  auto issued = m_ca->issueLeaf(host, m_leafKey.get());
  if (!issued) return issued.error();
  std::shared_ptr<X509> leaf = shareX509(issued->release());

  std::lock_guard lock(m_mutex);
  if (auto it = m_index.find(host); it != m_index.end()) return it->second->second;
  m_lru.emplace_front(host, leaf);
  m_index.emplace(host, m_lru.begin());
  while (m_lru.size() > m_capacity) {
    m_index.erase(m_lru.back().first);
    m_lru.pop_back();
  }
  return leaf;
}

size_t LeafCertificateCache::size() const {
  std::lock_guard lock(m_mutex);
  return m_lru.size();
}

uint64_t LeafCertificateCache::hits() const {
  std::lock_guard lock(m_mutex);
  return m_hits;
}

uint64_t LeafCertificateCache::misses() const {
  std::lock_guard lock(m_mutex);
  return m_misses;
}

}  // namespace ps::engine::tls
