// users:create: from prompts or from a JSON file of the first implementation's shape.
#include <memory>
#include <set>

#include "accounts/account_service.hpp"
#include "cli/commands.hpp"
#include "cli/prompt.hpp"

namespace zr::cli {
namespace user_create_cmd {  // named, so the unity build keeps each file's helpers apart
namespace {

using accounts::SignupRequest;

struct Options {
    std::string from_file;
    bool verified = false;
    bool allow_weak_password = false;
};

std::string Field(const nlohmann::json& entry, const std::string& where, const char* key, bool required) {
    auto it = entry.find(key);
    if (it == entry.end() || it->is_null()) {
        if (required) throw CliError(where + ": \"" + key + "\" is missing");
        return {};
    }
    if (!it->is_string()) throw CliError(where + ": \"" + key + "\" must be a string");
    return it->get<std::string>();
}

std::vector<SignupRequest> ParseUserList(const nlohmann::json& list, const std::string& path) {
    if (!list.is_array()) throw CliError(path + ": expected a JSON list of users");
    std::vector<SignupRequest> requests;
    for (std::size_t i = 0; i < list.size(); ++i) {
        std::string where = path + ": user " + std::to_string(i + 1);
        if (!list[i].is_object()) throw CliError(where + ": expected an object");
        requests.push_back({Field(list[i], where, "username", true), Field(list[i], where, "email", true),
                            Field(list[i], where, "password", true), Field(list[i], where, "first_name", false),
                            Field(list[i], where, "last_name", false), Field(list[i], where, "affiliation", false),
                            "password"});
    }
    return requests;
}

// Checks every request before creating any, so that a bad file creates nobody (the service checks
// again, atomically, when creating). `policy`: the password policy, nullptr when it is waived.
void CheckAll(const std::vector<SignupRequest>& requests, const std::vector<domain::User>& existing,
              const accounts::PasswordPolicy* policy) {
    std::set<std::string> usernames, emails;
    for (const auto& user : existing) {
        usernames.insert(user.username);
        emails.insert(user.email);
    }
    for (const auto& request : requests) {
        const std::string who = "user '" + request.username + "'";
        if (!accounts::IsValidUsername(request.username)) throw CliError(who + ": invalid username");
        if (accounts::IsReservedUsername(request.username)) {
            throw CliError(who + ": the username is reserved (it would clash with the API's /users/" +
                           request.username + " routes), choose another one");
        }
        if (!accounts::IsValidEmail(request.email)) throw CliError(who + ": invalid e-mail '" + request.email + "'");
        if (request.password.empty()) throw CliError(who + ": empty password");
        if (policy != nullptr) {
            if (auto refusal = policy->Check(request.password, request.username)) {
                throw CliError(who + ": password refused: " + refusal->reason +
                               " (--allow-weak-password creates the account anyway)");
            }
        }
        if (!usernames.insert(request.username).second) throw CliError(who + ": username already exists");
        if (!emails.insert(request.email).second)
            throw CliError(who + ": e-mail '" + request.email + "' already exists");
    }
}

SignupRequest AskUser(Context& context) {
    Prompter prompter(context.in(), context.err(), context.interactive());
    SignupRequest request;
    request.username = prompter.AskRequired("username");
    request.email = prompter.AskRequired("e-mail");
    request.first_name = prompter.Ask("first name");
    request.last_name = prompter.Ask("last name");
    request.affiliation = prompter.Ask("affiliation");
    request.password = prompter.AskSecret("password");
    request.password_field = "password";
    if (request.password.empty()) throw CliError("the password must not be empty");
    if (prompter.AskSecret("password again") != request.password) throw CliError("the passwords differ");
    return request;
}

int Run(const Options& options, Context& context) {
    auto& accounts = context.services().accounts();
    std::vector<SignupRequest> requests;
    if (options.from_file.empty()) {
        requests.push_back(AskUser(context));
    } else {
        requests = ParseUserList(ReadJsonFile(options.from_file), options.from_file);
    }
    const auto rule = options.allow_weak_password ? accounts::PasswordRule::kWaive : accounts::PasswordRule::kEnforce;
    CheckAll(requests, accounts.ListUsers(),
             rule == accounts::PasswordRule::kEnforce ? &accounts.password_policy() : nullptr);
    for (const auto& request : requests) {
        auto id = accounts.CreateUser(request, options.verified, rule);
        context.out() << "created user " << id << " (" << request.username << ")"
                      << (options.verified ? ", verified" : ", verification mail sent") << '\n';
    }
    return 0;
}

}  // namespace
}  // namespace user_create_cmd

void AddUserCreateCommand(CommandSet& commands) {
    using namespace user_create_cmd;
    auto options = std::make_shared<Options>();
    auto& command = commands.Add("users", "create", "Create users (asks for the fields; the password is not echoed)",
                                 [options](Context& context) { return Run(*options, context); });
    command
        .add_option("-f,--from-file", options->from_file,
                    "JSON list of {username, email, password, first_name, last_name, affiliation}")
        ->type_name("FILE");
    command.add_flag("--verified", options->verified, "Mark the e-mails verified (no verification mail)");
    command.add_flag("--allow-weak-password", options->allow_weak_password,
                     "Accept passwords the password policy refuses (too short, common or dictionary words, the "
                     "username in it: see ZR_PASSWORD_MIN_LENGTH); an empty one is still refused");
}

}  // namespace zr::cli
