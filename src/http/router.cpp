#include "http/router.hpp"

#include <stdexcept>

#include "common/error.hpp"

namespace zr::http {

namespace {

// "/a/b/" -> {"a", "b", ""}; "/" -> {""}. The views point into `path`.
std::vector<std::string_view> SplitPath(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t start = 1;
    while (true) {
        const std::size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) {
            segments.push_back(path.substr(start));
            return segments;
        }
        segments.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
}

}  // namespace

Router::Pattern Router::Compile(const std::string& pattern) {
    if (pattern.empty() || pattern[0] != '/') {
        throw std::invalid_argument("route pattern must start with '/': " + pattern);
    }
    Pattern compiled;
    const auto parts = SplitPath(pattern);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string_view part = parts[i];
        if (part.size() < 2 || part.front() != '{' || part.back() != '}') {
            compiled.push_back({SegmentKind::kLiteral, std::string(part)});
            continue;
        }
        const std::string_view inner = part.substr(1, part.size() - 2);
        const std::size_t colon = inner.find(':');
        const std::string_view name = inner.substr(0, colon);
        const std::string_view converter =
            colon == std::string_view::npos ? std::string_view("str") : inner.substr(colon + 1);
        if (name.empty()) throw std::invalid_argument("empty parameter name in " + pattern);
        if (converter == "str") {
            compiled.push_back({SegmentKind::kParam, std::string(name)});
        } else if (converter == "path" && i + 1 == parts.size()) {
            compiled.push_back({SegmentKind::kRest, std::string(name)});
        } else {
            throw std::invalid_argument("bad parameter in route pattern " + pattern);
        }
    }
    return compiled;
}

Router& Router::Add(Method method, std::string pattern, Handler handler, RouteOptions options) {
    patterns_.push_back(Compile(pattern));
    routes_.push_back({method, std::move(pattern), std::move(handler), std::move(options)});
    return *this;
}

namespace {

template <typename Pattern>
bool Matches(const Pattern& pattern, const std::vector<std::string_view>& segments) {
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const auto& seg = pattern[i];
        if (seg.kind == decltype(seg.kind)::kRest) return i < segments.size();
        if (i >= segments.size()) return false;
        if (seg.kind == decltype(seg.kind)::kParam) {
            if (segments[i].empty()) return false;
        } else if (segments[i] != seg.text) {
            return false;
        }
    }
    return pattern.size() == segments.size();
}

// True when pattern a is more specific than b (first differing segment kind is smaller).
template <typename Pattern>
bool MoreSpecific(const Pattern& a, const Pattern& b) {
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        if (a[i].kind != b[i].kind) return a[i].kind < b[i].kind;
    }
    return false;
}

}  // namespace

const Route* Router::Best(Method method, const std::vector<std::string_view>& segments, std::size_t* index) const {
    const Route* best = nullptr;
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        if (routes_[i].method != method || !Matches(patterns_[i], segments)) continue;
        if (best == nullptr || MoreSpecific(patterns_[i], patterns_[*index])) {
            best = &routes_[i];
            *index = i;
        }
    }
    return best;
}

bool Router::AnyMatch(const std::vector<std::string_view>& segments) const {
    for (const auto& pattern : patterns_) {
        if (Matches(pattern, segments)) return true;
    }
    return false;
}

void Router::Authenticate(const Route& route, Request& request) const noexcept {
    if (route.options.auth == Auth::kNone) return;
    try {
        if (!authenticator_) {
            throw Error::Detail(ErrorKind::kInternal, "Internal Server Error", "no authenticator for " + route.pattern);
        }
        request.caller = authenticator_(route.options.auth, request);
    } catch (...) {
        request.auth_error = std::current_exception();
    }
}

Match Router::Find(Method method, const std::string& path) const {
    Match match;
    if (path.empty() || path[0] != '/') return match;
    const auto segments = SplitPath(path);
    std::size_t index = 0;
    match.route = Best(method, segments, &index);
    if (match.route == nullptr && method == Method::kHead) {
        match.route = Best(Method::kGet, segments, &index);
    }
    if (match.route != nullptr) {
        match.path_known = true;
        const Pattern& pattern = patterns_[index];
        for (std::size_t i = 0; i < pattern.size(); ++i) {
            if (pattern[i].kind == SegmentKind::kParam) {
                match.params.emplace(pattern[i].text, std::string(segments[i]));
            } else if (pattern[i].kind == SegmentKind::kRest) {
                const auto offset = static_cast<std::size_t>(segments[i].data() - path.data());
                match.params.emplace(pattern[i].text, path.substr(offset));
            }
        }
        return match;
    }
    match.path_known = AnyMatch(segments);
    if (match.path_known || path == "/") return match;
    std::string other = path;
    if (other.back() == '/') {
        other.pop_back();
    } else {
        other.push_back('/');
    }
    if (AnyMatch(SplitPath(other))) match.redirect = std::move(other);
    return match;
}

}  // namespace zr::http
