// The uploader's error texts carry an excerpt of what the cloud answered. A compromised or
// impostor cloud must not be able to forge log lines or terminal escapes through it, nor make the
// agent print half a UTF-8 character.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "uplink/uploader.h"

namespace fleet::uplink {
namespace {

// Answers every request with one fixed response, synchronously (the uploader accepts that).
class FixedTransport : public Transport {
 public:
  explicit FixedTransport(HttpResponse response) : response_(std::move(response)) {}
  void Send(HttpRequest, ResponseCallback done) override { done(response_); }
  void Cancel() override {}

 private:
  HttpResponse response_;
};

std::string ActivationError(const std::string& body, int status = 500) {
  HttpResponse r;
  r.status = status;
  r.body = body;
  FixedTransport transport(r);
  std::optional<Result<AgentIdentity>> out;
  Activate(transport, "CODE-1234", HostFacts{}, "0.1.0",
           [&](Result<AgentIdentity> result) { out.emplace(std::move(result)); });
  EXPECT_TRUE(out.has_value());
  if (!out || out->ok()) return "<no error>";
  return out->error().message;
}

TEST(UploaderExcerpt, ControlCharactersCannotForgeLogLines) {
  const std::string message = ActivationError(
      "oops\n2026-11-24T00:00:00.000 info agent: forged line\r\x1b[31mred\x7f");
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.find('\r'), std::string::npos) << message;
  EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
  EXPECT_EQ(message.find('\x7f'), std::string::npos) << message;
  EXPECT_NE(message.find("oops?2026-11-24T00:00:00.000 info agent: forged line??[31mred?"),
            std::string::npos)
      << message;
}

TEST(UploaderExcerpt, JsonErrorMessageIsCleanedToo) {
  const std::string message = ActivationError(R"({"error":"bad\nthing","message":"line\u001b[2J"})",
                                              403);
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
  EXPECT_NE(message.find("bad?thing: line?[2J"), std::string::npos) << message;
}

TEST(UploaderExcerpt, AtMost200BytesAndNeverHalfAUtf8Character) {
  // 199 ASCII bytes then a 2-byte character: it does not fit in 200 and is left out whole.
  std::string body(199, 'a');
  body += "\xc3\xa9";
  body += std::string(50, 'b');
  const std::string message = ActivationError(body);
  EXPECT_NE(message.find(std::string(199, 'a')), std::string::npos);
  EXPECT_EQ(message.find('\xc3'), std::string::npos) << "half a character in: " << message;
  EXPECT_EQ(message.find('b'), std::string::npos);
  // A valid multi-byte character inside the limit is kept as it is.
  EXPECT_NE(ActivationError("caf\xc3\xa9 ferm\xc3\xa9").find("caf\xc3\xa9 ferm\xc3\xa9"),
            std::string::npos);
  // Invalid UTF-8 (a lone continuation byte) becomes '?'.
  EXPECT_NE(ActivationError("x\x80y").find("x?y"), std::string::npos);
}

}  // namespace
}  // namespace fleet::uplink
