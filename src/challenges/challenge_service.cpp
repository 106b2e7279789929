#include "challenges/challenge_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <memory>

#include "common/error.hpp"
#include "common/strings.hpp"
#include "db/repositories.hpp"

namespace zr::challenges {
namespace {

Error BadValue(std::string message) { return Error::Message(ErrorKind::kInvalidInput, std::move(message)); }

bool IsHttpUrl(std::string_view url) {
    const auto rest = url.starts_with("https://") ? url.substr(8) : url.starts_with("http://") ? url.substr(7) : "";
    return !rest.empty() && rest.find_first_of(" \t\r\n") == std::string_view::npos;
}

bool IsNullWord(std::string_view text) {
    const std::string v = ToLower(Trim(text));
    return v == "null" || v == "none" || v.empty();
}

void Validate(const domain::NewChallenge& c) {
    if (Trim(c.label).empty()) throw BadValue("ValueError: a challenge needs a non-empty label");
    if (!IsHttpUrl(c.url)) throw BadValue("ValueError: url must be an http(s) URL, got '" + c.url + "'");
    if (c.end_date && *c.end_date < c.start_date) {
        throw BadValue("ValueError: end_date " + FormatDate(*c.end_date) + " is before start_date " +
                       FormatDate(c.start_date));
    }
}

Date RequireDate(std::string_view text, const std::string& what) {
    auto date = ParseDayFirstDate(Trim(text));
    if (!date)
        throw BadValue("ValueError: " + what + " must be a date (dd/mm/yyyy or yyyy-mm-dd), got '" + std::string(text) +
                       "'");
    return *date;
}

void RequireEvaluator(db::Connection& conn, domain::EvaluatorId id) {
    if (!db::EvaluatorRepository(conn).Find(id)) {
        throw Error::Message(ErrorKind::kNotFound,
                             "There is no evaluator with the following id: " + std::to_string(id));
    }
}

}  // namespace

nlohmann::json ToJson(const domain::Challenge& c) {
    return {{"id", c.id},
            {"label", c.label},
            {"start_date", FormatDate(c.start_date)},
            {"end_date", c.end_date ? nlohmann::json(FormatDate(*c.end_date)) : nlohmann::json(nullptr)},
            {"active", c.active},
            {"url", c.url},
            {"evaluator", c.evaluator ? nlohmann::json(*c.evaluator) : nlohmann::json(nullptr)}};
}

bool ChallengeService::IsOpen(const domain::Challenge& challenge) const {
    return challenge.IsOpen(LocalDate(clock_.Now()));
}

std::shared_ptr<const std::vector<domain::Challenge>> ChallengeService::All() {
    const auto stamp = db_.LastCommit();  // before reading: see db::CommitCache
    if (stamp) {
        if (auto hit = all_.Find(0, *stamp)) return std::move(*hit);
    }
    std::vector<domain::Challenge> rows;
    {
        auto conn = db_.Acquire();
        rows = db::ChallengeRepository(*conn).List();
    }
    auto all = std::make_shared<const std::vector<domain::Challenge>>(std::move(rows));
    if (stamp) all_.Store(0, all, *stamp);
    return all;
}

std::vector<domain::Challenge> ChallengeService::List(bool include_inactive) {
    const auto all = All();
    if (include_inactive) return *all;
    const Date today = LocalDate(clock_.Now());
    std::vector<domain::Challenge> open;
    std::copy_if(all->begin(), all->end(), std::back_inserter(open),
                 [&](const domain::Challenge& c) { return c.IsOpen(today); });
    return open;
}

domain::Challenge ChallengeService::Get(domain::ChallengeId id) {
    auto conn = db_.Acquire();
    auto challenge = db::ChallengeRepository(*conn).Find(id);
    if (!challenge) {
        throw Error::Message(ErrorKind::kNotFound,
                             "There is no challenge with the following id: " + std::to_string(id));
    }
    return *challenge;
}

std::optional<domain::Challenge> ChallengeService::FindByLabel(std::string_view label) {
    const auto all = All();
    const auto it =
        std::find_if(all->begin(), all->end(), [&](const domain::Challenge& c) { return c.label == label; });
    if (it == all->end()) return std::nullopt;
    return *it;
}

domain::Challenge ChallengeService::GetByLabel(std::string_view label) {
    auto challenge = FindByLabel(label);
    if (!challenge) {
        throw Error::Message(ErrorKind::kNotFound,
                             "There is no challenge with the following id: " + std::string(label));
    }
    return std::move(*challenge);
}

domain::ChallengeId ChallengeService::Create(const domain::NewChallenge& challenge) {
    Validate(challenge);
    auto conn = db_.Acquire();
    db::Transaction tx(*conn);
    db::ChallengeRepository repo(*conn);
    if (repo.FindByLabel(challenge.label)) {
        throw Error::Message(ErrorKind::kConflict,
                             "ConflictError: a challenge labelled '" + challenge.label + "' already exists");
    }
    if (challenge.evaluator) RequireEvaluator(*conn, *challenge.evaluator);
    const auto id = repo.Create(challenge);
    tx.Commit();
    spdlog::info("challenge {} created with id {}", challenge.label, id);
    return id;
}

std::vector<domain::NewChallenge> ChallengeService::ParseChallengeList(const nlohmann::json& list) {
    if (!list.is_array()) throw BadValue("ValueError: expected a JSON list of challenges");
    std::vector<domain::NewChallenge> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& item = list[i];
        const std::string where = "item " + std::to_string(i);
        if (!item.is_object()) throw BadValue("ValueError: " + where + " is not an object");
        auto text = [&](const char* key) -> std::string {
            if (!item.contains(key) || !item[key].is_string())
                throw BadValue("ValueError: " + where + ": '" + key + "' must be a string");
            return item[key].get<std::string>();
        };
        domain::NewChallenge c;
        c.label = text("label");
        c.start_date = RequireDate(text("start_date"), where + ": start_date");
        if (item.contains("end_date") && !item["end_date"].is_null())
            c.end_date = RequireDate(text("end_date"), where + ": end_date");
        c.url = text("url");
        if (!item.contains("active") || !item["active"].is_boolean())
            throw BadValue("ValueError: " + where + ": 'active' must be true or false");
        c.active = item["active"].get<bool>();
        if (item.contains("evaluator") && !item["evaluator"].is_null()) {
            if (!item["evaluator"].is_number_integer())
                throw BadValue("ValueError: " + where + ": 'evaluator' must be an id or null");
            c.evaluator = item["evaluator"].get<domain::EvaluatorId>();
        }
        Validate(c);
        out.push_back(std::move(c));
    }
    return out;
}

domain::Challenge ChallengeService::Set(domain::ChallengeId id, std::string_view field, std::string_view value) {
    domain::Challenge c = Get(id);
    const std::string name = ToLower(field);
    auto conn = db_.Acquire();
    if (name == "label") {
        c.label = std::string(Trim(value));
        auto other = db::ChallengeRepository(*conn).FindByLabel(c.label);
        if (other && other->id != id)
            throw Error::Message(ErrorKind::kConflict, "ConflictError: label '" + c.label + "' is taken");
    } else if (name == "start_date") {
        c.start_date = RequireDate(value, "start_date");
    } else if (name == "end_date") {
        c.end_date = IsNullWord(value) ? std::nullopt : std::optional<Date>(RequireDate(value, "end_date"));
    } else if (name == "active") {
        auto b = ParseBoolWord(value);
        if (!b) throw BadValue("ValueError: active must be true or false, got '" + std::string(value) + "'");
        c.active = *b;
    } else if (name == "url") {
        c.url = std::string(Trim(value));
    } else if (name == "auto_eval") {
        auto b = ParseBoolWord(value);
        if (!b) throw BadValue("ValueError: auto_eval must be true or false, got '" + std::string(value) + "'");
        c.auto_eval = *b;
    } else if (name == "evaluator") {
        if (IsNullWord(value)) {
            c.evaluator = std::nullopt;
        } else {
            try {
                std::size_t used = 0;
                c.evaluator = std::stoll(std::string(value), &used);
                if (used != Trim(value).size()) throw std::invalid_argument("trailing");
            } catch (const std::exception&) {
                throw BadValue("ValueError: evaluator must be an evaluator id or null, got '" + std::string(value) +
                               "'");
            }
            RequireEvaluator(*conn, *c.evaluator);
        }
    } else {
        throw BadValue("ValueError: unknown field '" + std::string(field) +
                       "' (expected label, start_date, end_date, active, url, evaluator or auto_eval)");
    }
    Validate({c.label, c.start_date, c.end_date, c.active, c.url, c.evaluator});
    db::ChallengeRepository(*conn).Update(c);
    spdlog::info("challenge {}: {} set to '{}'", id, name, std::string(value));
    return c;
}

}  // namespace zr::challenges
