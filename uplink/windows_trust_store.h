// The Windows certificate store as OpenSSL's trust anchors: when `cloud.ca_file` is empty the
// cloud's certificate is checked against the certificates a Windows administrator trusts (the
// machine's ROOT store, managed with certlm.msc, Group Policy or `certutil -addstore Root`).
// OpenSSL 3.0 does not read that store itself (its "winstore" came in 3.2), so the certificates
// are copied into the SSL_CTX's X509_STORE once, when the transport is built
// (docs/windows-internals.md). Compiled for Windows only; on Linux
// SSL_CTX_set_default_verify_paths() is the system store.
#pragma once

#ifdef _WIN32

#include <openssl/ssl.h>

#include <string>

namespace fleet::uplink {

// Adds every certificate of the system ROOT store (CertOpenSystemStoreW(L"ROOT"): the local
// machine's and the current user's trusted roots) to `ctx`'s X509_STORE. Returns "" on success,
// else the reason (the store cannot be opened, or it holds no certificate OpenSSL can parse).
// Certificates OpenSSL cannot parse are skipped; a duplicate is not an error.
std::string LoadWindowsRootStore(SSL_CTX* ctx);

}  // namespace fleet::uplink

#endif  // _WIN32
