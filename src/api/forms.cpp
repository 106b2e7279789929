#include "api/forms.hpp"

#include "common/strings.hpp"

namespace zr::api {
namespace {

// The value of `param` ("name", "boundary") in a header value like `form-data; name="x"`.
std::optional<std::string> HeaderParam(std::string_view header, std::string_view param) {
    std::size_t pos = 0;
    while ((pos = header.find(';', pos)) != std::string_view::npos) {
        ++pos;
        std::string_view rest = Trim(header.substr(pos));
        const auto eq = rest.find('=');
        if (eq == std::string_view::npos) continue;
        if (!EqualsIgnoreCase(Trim(rest.substr(0, eq)), param)) continue;
        std::string_view value = rest.substr(eq + 1);
        if (!value.empty() && value.front() == '"') {
            const auto close = value.find('"', 1);
            if (close == std::string_view::npos) return std::nullopt;
            return std::string(value.substr(1, close - 1));
        }
        return std::string(Trim(value.substr(0, value.find(';'))));
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> MultipartBoundary(std::string_view content_type) {
    if (ToLower(content_type).find("multipart/form-data") == std::string::npos) return std::nullopt;
    auto boundary = HeaderParam(content_type, "boundary");
    if (!boundary || boundary->empty() || boundary->size() > 200) return std::nullopt;
    return boundary;
}

std::optional<FormPairs> ParseMultipart(std::string_view body, std::string_view boundary) {
    const std::string delimiter = "--" + std::string(boundary);
    FormPairs out;
    std::size_t pos = body.find(delimiter);
    if (pos == std::string_view::npos) return std::nullopt;
    while (true) {
        pos += delimiter.size();
        if (body.substr(pos, 2) == "--") return out;  // closing delimiter
        if (body.substr(pos, 2) != "\r\n") return std::nullopt;
        pos += 2;
        const auto headers_end = body.find("\r\n\r\n", pos);
        if (headers_end == std::string_view::npos) return std::nullopt;
        const std::string_view headers = body.substr(pos, headers_end - pos);
        const auto next = body.find("\r\n" + delimiter, headers_end + 4);
        if (next == std::string_view::npos) return std::nullopt;
        std::optional<std::string> name;
        std::size_t line_start = 0;
        while (line_start <= headers.size()) {
            const auto line_end = std::min(headers.find("\r\n", line_start), headers.size());
            const std::string_view line = headers.substr(line_start, line_end - line_start);
            const auto colon = line.find(':');
            if (colon != std::string_view::npos &&
                EqualsIgnoreCase(Trim(line.substr(0, colon)), "content-disposition")) {
                name = HeaderParam(line.substr(colon + 1), "name");
            }
            line_start = line_end + 2;
        }
        if (!name) return std::nullopt;
        out.emplace_back(*name, std::string(body.substr(headers_end + 4, next - headers_end - 4)));
        pos = next + 2;
    }
}

std::optional<FormPairs> ParseFormBody(const http::Request& request) {
    const auto type = request.Header("content-type");
    if (type && ToLower(*type).find("multipart/form-data") != std::string::npos) {
        auto boundary = MultipartBoundary(*type);
        if (!boundary) return std::nullopt;
        return ParseMultipart(request.body, *boundary);
    }
    return ParseUrlEncoded(request.body);  // lenient, as Starlette: never malformed
}

}  // namespace zr::api
