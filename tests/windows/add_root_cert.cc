// add_root_cert.exe CERT.pem: adds a PEM certificate to the local machine's ROOT store (what
// `certutil -addstore Root CERT` does on Windows; Wine has no certutil). Used by
// tests/windows/wine_e2e_test.sh to trust the test CA in a fresh Wine prefix. Exit 0 on success.
// wincrypt.h needs windows.h first.
// clang-format off
#include <windows.h>
#include <wincrypt.h>
// clang-format on

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: add_root_cert CERT.pem\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream pem;
  pem << in.rdbuf();
  const std::string text = pem.str();
  DWORD size = 0;
  if (!CryptStringToBinaryA(text.c_str(), 0, CRYPT_STRING_BASE64HEADER, nullptr, &size, nullptr,
                            nullptr)) {
    std::fprintf(stderr, "add_root_cert: %s is not a PEM certificate\n", argv[1]);
    return 1;
  }
  std::vector<BYTE> der(size);
  CryptStringToBinaryA(text.c_str(), 0, CRYPT_STRING_BASE64HEADER, der.data(), &size, nullptr,
                       nullptr);
  HCERTSTORE store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE,
                                   L"ROOT");
  if (store == nullptr) {
    std::fprintf(stderr, "add_root_cert: cannot open the ROOT store (%lu)\n", GetLastError());
    return 1;
  }
  const BOOL ok = CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, der.data(), size,
                                                   CERT_STORE_ADD_REPLACE_EXISTING, nullptr);
  const DWORD error = GetLastError();
  CertCloseStore(store, 0);
  if (!ok) {
    std::fprintf(stderr, "add_root_cert: CertAddEncodedCertificateToStore failed (%lu)\n", error);
    return 1;
  }
  std::printf("added %s to the ROOT store\n", argv[1]);
  return 0;
}
