#include "uplink/windows_trust_store.h"

#ifdef _WIN32

// windows.h before wincrypt.h; wincrypt.h defines X509_NAME and friends as macros that clash with
// OpenSSL's types: undefine them before OpenSSL's headers are used below.
// clang-format off
#include <windows.h>
#include <wincrypt.h>
// clang-format on
#undef X509_NAME
#undef X509_EXTENSIONS
#undef X509_CERT_PAIR
#undef PKCS7_ISSUER_AND_SERIAL
#undef OCSP_REQUEST
#undef OCSP_RESPONSE

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace fleet::uplink {

std::string LoadWindowsRootStore(SSL_CTX* ctx) {
  HCERTSTORE store = CertOpenSystemStoreW(0, L"ROOT");
  if (store == nullptr) {
    return "cannot open the Windows ROOT certificate store (error " +
           std::to_string(GetLastError()) + ")";
  }
  X509_STORE* x509_store = SSL_CTX_get_cert_store(ctx);
  int added = 0;
  PCCERT_CONTEXT cert = nullptr;
  while ((cert = CertEnumCertificatesInStore(store, cert)) != nullptr) {
    if (cert->dwCertEncodingType != X509_ASN_ENCODING) continue;
    const unsigned char* der = cert->pbCertEncoded;
    X509* x509 = d2i_X509(nullptr, &der, static_cast<long>(cert->cbCertEncoded));
    if (x509 == nullptr) continue;  // a certificate OpenSSL cannot parse: not a trust anchor here
    if (X509_STORE_add_cert(x509_store, x509) == 1) ++added;
    X509_free(x509);
  }
  CertCloseStore(store, 0);
  ERR_clear_error();  // duplicates and skipped certificates leave errors behind: not ours
  if (added == 0) return "the Windows ROOT certificate store holds no usable certificate";
  return "";
}

}  // namespace fleet::uplink

#endif  // _WIN32
