#pragma once
// Hashing and randomness (OpenSSL 3). All functions are thread-safe.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zr::crypto {

using Bytes = std::vector<unsigned char>;

inline constexpr int kPbkdf2Iterations = 100000;
inline constexpr std::size_t kSaltBytes = 32;
inline constexpr std::size_t kKeyBytes = 32;

// PBKDF2-HMAC-SHA256 of the UTF-8 password (first implementation's scheme). ~25 ms of CPU.
Bytes Pbkdf2Sha256(std::string_view password, const Bytes& salt, int iterations = kPbkdf2Iterations,
                   std::size_t key_bytes = kKeyBytes);
// How many times this process computed Pbkdf2Sha256 (for metrics: a throttled login computes none).
std::uint64_t Pbkdf2Count();
// `n` bytes from the CSPRNG. Throws std::runtime_error if the CSPRNG fails.
Bytes RandomBytes(std::size_t n);
// A random (version 4, RFC 4122) UUID in its 36-character lower-case text form.
std::string Uuid4();
// URL-safe base64 without padding (Python's secrets.token_urlsafe form).
std::string Base64UrlEncode(const Bytes& data);
// A session / reset token: 64 random bytes, URL-safe base64 (86 characters).
std::string NewToken(std::size_t bytes = 64);
// Constant-time equality (time depends only on the lengths).
bool ConstantTimeEquals(std::string_view a, std::string_view b);
bool ConstantTimeEquals(const Bytes& a, const Bytes& b);
// Lower-case hex md5 of data.
std::string Md5Hex(std::string_view data);
// Incremental md5 for streams (uploads, merged archives). Not thread-safe; one per stream.
class Md5 {
public:
    Md5();
    ~Md5();
    Md5(const Md5&) = delete;
    Md5& operator=(const Md5&) = delete;
    void Update(const void* data, std::size_t size);
    // Lower-case hex of everything passed to Update; the object must not be used afterwards.
    std::string HexDigest();

private:
    void* ctx_;  // EVP_MD_CTX
};
// Lower-case hex md5 of a file's content, read in chunks. Throws std::runtime_error on I/O errors.
std::string Md5OfFile(const std::string& path);

// Lower-case hex sha256 of a file's content, read in chunks. Throws std::runtime_error on I/O errors.
std::string Sha256OfFile(const std::string& path);

// Lower-case hex.
std::string ToHex(const Bytes& data);

}  // namespace zr::crypto
