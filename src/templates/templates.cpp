#include "templates/templates.hpp"

#include <fstream>
#include <kainjow/mustache.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "common/resources.hpp"

namespace zr::templates {
namespace {

namespace mustache = kainjow::mustache;

constexpr const char* kExtension = ".mustache";

// A template name is a relative path below the templates folder; anything that could step out
// of it (an override folder is a real directory) is refused.
bool IsSafeName(const std::string& name) {
    if (name.empty() || name.front() == '/' || name.front() == '\\') return false;
    if (name.find("..") != std::string::npos) return false;
    return name.find('\0') == std::string::npos;
}

mustache::data ToData(const nlohmann::json& value) {
    switch (value.type()) {
        case nlohmann::json::value_t::object: {
            mustache::data object{mustache::data::type::object};
            for (const auto& [key, item] : value.items()) object.set(key, ToData(item));
            return object;
        }
        case nlohmann::json::value_t::array: {
            mustache::data list{mustache::data::type::list};
            for (const auto& item : value) list.push_back(ToData(item));
            return list;
        }
        case nlohmann::json::value_t::string:
            return mustache::data{value.get<std::string>()};
        case nlohmann::json::value_t::boolean:
            return mustache::data{value.get<bool>()};
        case nlohmann::json::value_t::null:
        case nlohmann::json::value_t::discarded:
            return mustache::data{false};
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
        case nlohmann::json::value_t::number_float:
        case nlohmann::json::value_t::binary:
            return mustache::data{value.dump()};
    }
    return mustache::data{false};
}

// The rendering context: variables come from the data, partials ({{> name}}) from the same
// template store as top-level templates. Loaded partials are kept for the duration of one
// render, because the mustache library holds on to the returned pointers.
class Context : public mustache::context<std::string> {
public:
    using Loader = std::function<std::optional<std::string>(const std::string&)>;

    Context(const mustache::data* data, Loader loader)
        : mustache::context<std::string>(data), loader_(std::move(loader)) {}

    const mustache::data* get_partial(const std::string& name) const override {
        auto found = partials_.find(name);
        if (found != partials_.end()) return &found->second;
        auto text = loader_(name);
        if (!text) throw TemplateError("template partial not found: " + name);
        return &partials_.emplace(name, mustache::data{*text}).first->second;
    }

private:
    Loader loader_;
    mutable std::map<std::string, mustache::data> partials_;
};

std::optional<std::string> ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream out;
    out << in.rdbuf();
    if (in.bad()) throw TemplateError("cannot read template file " + path.filename().string());
    return out.str();
}

}  // namespace

Engine::Engine(std::optional<std::filesystem::path> override_dir) : override_dir_(std::move(override_dir)) {}

std::optional<std::string> Engine::Load(const std::string& name) const {
    if (!IsSafeName(name)) throw TemplateError("invalid template name: " + name);
    const std::string file = name + kExtension;
    if (override_dir_) {
        const auto path = *override_dir_ / file;
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) {
            if (auto text = ReadFile(path)) return text;
        }
    }
    if (auto embedded = resources::Find("templates/" + file)) return std::string(*embedded);
    return std::nullopt;
}

std::string Engine::Render(const std::string& name, const nlohmann::json& data) const {
    auto source = Load(name);
    if (!source) throw TemplateError("template not found: " + name);
    mustache::mustache tmpl{*source};
    if (!tmpl.is_valid()) throw TemplateError("template " + name + ": " + tmpl.error_message());
    const mustache::data root = ToData(data);
    Context context(&root, [this](const std::string& partial) { return Load(partial); });
    std::string out = tmpl.render(context);
    if (!tmpl.is_valid()) throw TemplateError("template " + name + ": " + tmpl.error_message());
    return out;
}

}  // namespace zr::templates
