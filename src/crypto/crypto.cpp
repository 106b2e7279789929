#include "crypto/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <atomic>
#include <climits>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace zr::crypto {
namespace {

constexpr char kBase64UrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kHexDigits[] = "0123456789abcdef";

struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

bool SameLengthEquals(const void* a, const void* b, std::size_t a_size, std::size_t b_size) {
    // Lengths are not secret (tokens and hashes have fixed sizes); only the contents are.
    if (a_size != b_size) return false;
    if (a_size == 0) return true;
    return CRYPTO_memcmp(a, b, a_size) == 0;
}

}  // namespace

namespace {
std::atomic<std::uint64_t> pbkdf2_count{0};
}  // namespace

std::uint64_t Pbkdf2Count() { return pbkdf2_count.load(std::memory_order_relaxed); }

Bytes Pbkdf2Sha256(std::string_view password, const Bytes& salt, int iterations, std::size_t key_bytes) {
    pbkdf2_count.fetch_add(1, std::memory_order_relaxed);
    if (iterations < 1) throw std::invalid_argument("PBKDF2: iterations must be positive");
    if (password.size() > INT_MAX || salt.size() > INT_MAX || key_bytes > INT_MAX) {
        throw std::invalid_argument("PBKDF2: input too large");
    }
    Bytes key(key_bytes);
    const int ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                                     static_cast<int>(salt.size()), iterations, EVP_sha256(),
                                     static_cast<int>(key_bytes), key.data());
    if (ok != 1) throw std::runtime_error("PBKDF2-HMAC-SHA256 failed");
    return key;
}

Bytes RandomBytes(std::size_t n) {
    Bytes out(n);
    if (n == 0) return out;
    if (n > INT_MAX) throw std::invalid_argument("RandomBytes: too many bytes requested");
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
        throw std::runtime_error("CSPRNG failure (RAND_bytes)");
    }
    return out;
}

std::string Base64UrlEncode(const Bytes& data) {
    std::string out;
    out.reserve((data.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        const unsigned v = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8) | data[i + 2];
        out += kBase64UrlAlphabet[(v >> 18) & 63];
        out += kBase64UrlAlphabet[(v >> 12) & 63];
        out += kBase64UrlAlphabet[(v >> 6) & 63];
        out += kBase64UrlAlphabet[v & 63];
    }
    const std::size_t rest = data.size() - i;
    if (rest == 1) {
        const unsigned v = unsigned{data[i]} << 16;
        out += kBase64UrlAlphabet[(v >> 18) & 63];
        out += kBase64UrlAlphabet[(v >> 12) & 63];
    } else if (rest == 2) {
        const unsigned v = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8);
        out += kBase64UrlAlphabet[(v >> 18) & 63];
        out += kBase64UrlAlphabet[(v >> 12) & 63];
        out += kBase64UrlAlphabet[(v >> 6) & 63];
    }
    return out;
}

std::string Uuid4() {
    Bytes bytes = RandomBytes(16);
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
    const std::string hex = ToHex(bytes);
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
           hex.substr(20);
}

std::string NewToken(std::size_t bytes) { return Base64UrlEncode(RandomBytes(bytes)); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
    return SameLengthEquals(a.data(), b.data(), a.size(), b.size());
}

bool ConstantTimeEquals(const Bytes& a, const Bytes& b) {
    return SameLengthEquals(a.data(), b.data(), a.size(), b.size());
}

std::string Md5Hex(std::string_view data) {
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
        throw std::runtime_error("md5 digest failed");
    }
    return ToHex(Bytes(digest, digest + length));
}

Md5::Md5() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_md5(), nullptr) != 1) {
        EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
        throw std::runtime_error("md5 init failed");
    }
}

Md5::~Md5() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Md5::Update(const void* data, std::size_t size) {
    if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size) != 1)
        throw std::runtime_error("md5 update failed");
}

std::string Md5::HexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest, &length) != 1) {
        throw std::runtime_error("md5 final failed");
    }
    return ToHex(Bytes(digest, digest + length));
}

std::string Md5OfFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    Md5 md5;
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        if (in.gcount() > 0) md5.Update(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) throw std::runtime_error("cannot read " + path);
    return md5.HexDigest();
}

std::string Sha256OfFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("sha256 init failed");
    std::vector<char> buffer(1 << 16);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        if (in.gcount() > 0 && EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount())) != 1) {
            throw std::runtime_error("sha256 update failed");
        }
    }
    if (in.bad()) throw std::runtime_error("cannot read " + path);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) throw std::runtime_error("sha256 final failed");
    return ToHex(Bytes(digest, digest + length));
}

std::string ToHex(const Bytes& data) {
    std::string out;
    out.reserve(data.size() * 2);
    for (unsigned char byte : data) {
        out += kHexDigits[byte >> 4];
        out += kHexDigits[byte & 15];
    }
    return out;
}

}  // namespace zr::crypto
