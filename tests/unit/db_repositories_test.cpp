// Repositories against a copy of the legacy file and against fresh files.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "db/database.hpp"
#include "db/repositories.hpp"
#include "domain_printers.hpp"
#include "temp_database.hpp"

namespace zr::db {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;

using test_support::LegacyDb;

using test_support::At;

Date Day(std::string_view text) {
    auto d = ParseDate(text);
    if (!d) throw std::runtime_error("bad test date");
    return *d;
}

// A temporary folder with a database file: fresh, or a copy of the legacy fixture.
class DbFixture : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "zr_db_repo_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        lease_.reset();
        db_.reset();
        fs::remove_all(dir_);
    }
    Connection& OpenFresh() { return Open(dir_ / "zerospeech.db"); }
    Connection& OpenLegacy() {
        const fs::path copy = dir_ / "zerospeech.db";
        fs::copy_file(LegacyDb(), copy);
        fs::permissions(copy, fs::perms::owner_read | fs::perms::owner_write);
        return Open(copy);
    }

    static domain::NewUser MakeUser(const std::string& name, const std::string& email) {
        return {
            name, email, true, "pending-code", std::vector<unsigned char>(32, 7), std::vector<unsigned char>(32, 9)};
    }

private:
    Connection& Open(const fs::path& file) {
        db_ = std::make_unique<Database>(file);
        lease_.emplace(db_->Acquire());
        return **lease_;
    }

    fs::path dir_;
    std::unique_ptr<Database> db_;
    std::optional<ConnectionLease> lease_;
};

TEST_F(DbFixture, LegacyUsersReadWithExactFields) {
    UserRepository users(OpenLegacy());
    auto alice = users.FindByUsername("alice");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->id, 1);
    EXPECT_EQ(alice->email, "alice@example.org");
    EXPECT_TRUE(alice->active);
    EXPECT_TRUE(alice->IsVerified());
    ASSERT_EQ(alice->hashed_pswd.size(), 32u);
    EXPECT_EQ(alice->hashed_pswd[0], 0xa0);
    EXPECT_EQ(alice->hashed_pswd[31], 0xc3);
    ASSERT_EQ(alice->salt.size(), 32u);
    EXPECT_EQ(alice->salt[0], 0xae);

    auto bob = users.FindById(2);
    ASSERT_TRUE(bob);
    EXPECT_EQ(bob->username, "bob");
    EXPECT_TRUE(bob->active);
    EXPECT_EQ(bob->verified, "c4I3FFoOQVQ");
    EXPECT_FALSE(bob->IsVerified());

    auto carol = users.FindByEmail("carol@example.org");
    ASSERT_TRUE(carol);
    EXPECT_EQ(carol->id, 3);
    EXPECT_FALSE(carol->active);
    EXPECT_TRUE(carol->IsVerified());
    EXPECT_EQ(carol->hashed_pswd.size(), 32u);
    EXPECT_EQ(carol->salt.size(), 32u);

    const auto all = users.List();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].username, "alice");
    EXPECT_EQ(all[2].username, "carol");
}

TEST_F(DbFixture, LegacyChallengesSessionAndSubmissionRead) {
    Connection& conn = OpenLegacy();
    const auto challenges = ChallengeRepository(conn).List();
    ASSERT_EQ(challenges.size(), 3u);
    EXPECT_EQ(challenges[0].id, 1);
    EXPECT_EQ(challenges[0].label, "zr2015");
    EXPECT_EQ(challenges[0].start_date, Day("2015-01-20"));
    EXPECT_EQ(challenges[0].end_date, Day("2015-04-30"));
    EXPECT_FALSE(challenges[0].active);
    EXPECT_EQ(challenges[0].url, "https://zerospeech.com/track/2015");
    EXPECT_FALSE(challenges[0].evaluator);
    EXPECT_TRUE(challenges[1].active);
    EXPECT_FALSE(challenges[1].IsOpen(Day("2022-01-01")));
    EXPECT_EQ(challenges[2].label, "open-track");
    EXPECT_FALSE(challenges[2].end_date.has_value());
    EXPECT_TRUE(challenges[2].IsOpen(Day("2030-01-01")));

    auto found = SessionRepository(conn).FindWithUser(
        "WbCEtCYap8UFvNL1xC91dui_2CwDZ-4cx4q-TwAgBq3XEGwE02UK3QmOK5TrYDn-SriX9nuAy3j0jcIO5AK2cw");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->first.user_id, 1);
    EXPECT_EQ(FormatDateTime(found->first.expiration_date), "2026-12-03 05:49:49.668130");
    EXPECT_EQ(found->second.username, "alice");

    auto submission = SubmissionRepository(conn).Find("202611-2605-4949-1c2f57b6-ac9a-4442-a6f9-35da55b364fc");
    ASSERT_TRUE(submission);
    EXPECT_EQ(submission->user_id, 1);
    EXPECT_EQ(submission->track_id, 3);
    EXPECT_EQ(FormatDateTime(submission->submit_date), "2026-11-26 05:49:49.698944");
    EXPECT_EQ(submission->status, domain::SubmissionStatus::kUploaded);
    EXPECT_EQ(SubmissionRepository(conn).ListByUser(1).size(), 1u);
    EXPECT_TRUE(SubmissionRepository(conn).ListByUser(2).empty());
    EXPECT_FALSE(SubmissionRepository(conn).Find("nope"));
}

TEST_F(DbFixture, CreatedUserGetsNextIdAndStoredFormats) {
    Connection& conn = OpenLegacy();
    UserRepository users(conn);
    const auto id = users.Create(MakeUser("dave", "dave@example.org"));
    EXPECT_EQ(id, 4);
    auto stmt = conn.Prepare(
        "SELECT typeof(active), active, typeof(hashed_pswd), length(salt) FROM users_credentials WHERE id = 4");
    ASSERT_TRUE(stmt.Step());
    EXPECT_EQ(stmt.Text(0), "integer");
    EXPECT_EQ(stmt.Int(1), 1);
    EXPECT_EQ(stmt.Text(2), "blob");
    EXPECT_EQ(stmt.Int(3), 32);
    auto dave = users.FindById(id);
    ASSERT_TRUE(dave);
    EXPECT_EQ(dave->username, "dave");
    EXPECT_EQ(dave->verified, "pending-code");
    EXPECT_EQ(dave->salt, std::vector<unsigned char>(32, 9));
}

TEST_F(DbFixture, DuplicateUsernameOrEmailIsAUniqueViolation) {
    UserRepository users(OpenLegacy());
    try {
        users.Create(MakeUser("alice", "other@example.org"));
        FAIL() << "duplicate username accepted";
    } catch (const UniqueViolation& e) {
        EXPECT_EQ(e.column(), "username");
    }
    try {
        users.Create(MakeUser("alice2", "alice@example.org"));
        FAIL() << "duplicate e-mail accepted";
    } catch (const UniqueViolation& e) {
        EXPECT_EQ(e.column(), "email");
        EXPECT_NE(std::string(e.what()).find("INSERT INTO users_credentials"), std::string::npos) << e.what();
    }
    EXPECT_EQ(users.List().size(), 3u);
}

TEST_F(DbFixture, FindByLoginPrefersUsernameThenEmailIgnoringCase) {
    UserRepository users(OpenFresh());
    const auto first = users.Create(MakeUser("Zed", "zed@example.org"));
    // A user whose username looks like the other's e-mail: the username match wins.
    const auto second = users.Create(MakeUser("zed@example.org", "second@example.org"));
    EXPECT_EQ(users.FindByLogin("zed@example.org")->id, second);
    EXPECT_EQ(users.FindByLogin("ZED@Example.org")->id, first);
    EXPECT_EQ(users.FindByLogin("SECOND@example.ORG")->id, second);
    EXPECT_EQ(users.FindByLogin("Zed")->id, first);
    EXPECT_FALSE(users.FindByLogin("zed"));  // usernames are exact
    EXPECT_FALSE(users.FindByLogin("nobody@example.org"));
    EXPECT_FALSE(users.FindByEmail("ZED@example.org"));  // FindByEmail is exact
}

TEST_F(DbFixture, UserSettersChangeOnlyTheirColumns) {
    UserRepository users(OpenLegacy());
    users.SetVerified(2, domain::kVerifiedMarker);
    EXPECT_TRUE(users.FindById(2)->IsVerified());
    users.SetActive(3, true);
    EXPECT_TRUE(users.FindById(3)->active);
    users.SetPassword(1, std::vector<unsigned char>(32, 0x11), std::vector<unsigned char>(32, 0x22));
    auto alice = users.FindById(1);
    EXPECT_EQ(alice->hashed_pswd, std::vector<unsigned char>(32, 0x11));
    EXPECT_EQ(alice->salt, std::vector<unsigned char>(32, 0x22));
    EXPECT_EQ(alice->email, "alice@example.org");
    users.SetAllActive(false);
    users.Create(MakeUser("erin", "erin@example.org"));
    users.SetAllVerified();
    for (const auto& user : users.List()) {
        EXPECT_TRUE(user.IsVerified()) << user.username;
        EXPECT_EQ(user.active, user.username == "erin") << user.username;
    }
}

TEST_F(DbFixture, SessionsCreateFindDelete) {
    Connection& conn = OpenFresh();
    UserRepository users(conn);
    SessionRepository sessions(conn);
    const auto u1 = users.Create(MakeUser("u1", "u1@example.org"));
    const auto u2 = users.Create(MakeUser("u2", "u2@example.org"));
    const TimePoint now = At("2030-06-01 12:00:00.000000");
    sessions.Create({"t1", u1, At("2030-06-08 12:00:00.250000")});
    sessions.Create({"t2", u1, now + hours(1)});
    sessions.Create({"t3", u2, now - hours(1)});
    EXPECT_THROW(sessions.Create({"t1", u1, now}), UniqueViolation);

    auto found = sessions.FindWithUser("t1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->first.token, "t1");
    EXPECT_EQ(found->first.user_id, u1);
    EXPECT_EQ(found->first.expiration_date, At("2030-06-08 12:00:00.250000"));
    EXPECT_EQ(found->second.username, "u1");
    auto stored = conn.Prepare("SELECT expiration_date FROM logged_users WHERE token = 't1'");
    ASSERT_TRUE(stored.Step());
    EXPECT_EQ(stored.Text(0), "2030-06-08 12:00:00.250000");
    EXPECT_TRUE(sessions.FindWithUser("t3"));  // expiry is the caller's business
    EXPECT_FALSE(sessions.FindWithUser("unknown"));

    const auto logged = sessions.ListLogged(now);
    ASSERT_EQ(logged.size(), 1u);
    EXPECT_EQ(logged[0].first.id, u1);
    EXPECT_EQ(logged[0].second, At("2030-06-08 12:00:00.250000"));  // the latest of u1's two

    EXPECT_EQ(sessions.DeleteExpired(now), 1);
    EXPECT_FALSE(sessions.FindWithUser("t3"));
    sessions.Delete("t2");
    EXPECT_FALSE(sessions.FindWithUser("t2"));
    EXPECT_TRUE(sessions.FindWithUser("t1"));
    sessions.Create({"t4", u1, now + hours(2)});
    sessions.Create({"t5", u2, now + hours(2)});
    EXPECT_EQ(sessions.DeleteForUser(u1), 2);
    EXPECT_TRUE(sessions.FindWithUser("t5"));
    EXPECT_EQ(sessions.DeleteAll(), 1);
    EXPECT_TRUE(sessions.ListLogged(now).empty());
}

TEST_F(DbFixture, PasswordResetsCreateFindDelete) {
    Connection& conn = OpenLegacy();
    PasswordResetRepository resets(conn);
    const TimePoint expiry = At("2031-01-01 00:45:00.000001");
    resets.Create({"r1", 1, expiry});
    resets.Create({"r2", 1, expiry});
    resets.Create({"r3", 2, expiry});
    auto found = resets.Find("r1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->user_id, 1);
    EXPECT_EQ(found->expiration_date, expiry);
    resets.Delete("r1");
    EXPECT_FALSE(resets.Find("r1"));
    EXPECT_EQ(resets.DeleteForUser(1), 1);
    EXPECT_FALSE(resets.Find("r2"));
    EXPECT_TRUE(resets.Find("r3"));
}

TEST_F(DbFixture, ChallengesCreateUpdateFindByLabel) {
    Connection& conn = OpenLegacy();
    ChallengeRepository challenges(conn);
    domain::NewChallenge fresh{"zr2025",    Day("2025-02-01"), std::nullopt, true, "https://example.org/zr2025",
                               std::nullopt};
    const auto id = challenges.Create(fresh);
    EXPECT_EQ(id, 4);
    auto stored = conn.Prepare("SELECT start_date, end_date IS NULL, active FROM challenges WHERE id = 4");
    ASSERT_TRUE(stored.Step());
    EXPECT_EQ(stored.Text(0), "2025-02-01");
    EXPECT_EQ(stored.Int(1), 1);
    EXPECT_EQ(stored.Int(2), 1);
    EXPECT_THROW(
        {
            try {
                challenges.Create(fresh);
            } catch (const UniqueViolation& e) {
                EXPECT_EQ(e.column(), "label");
                throw;
            }
        },
        UniqueViolation);

    auto challenge = challenges.FindByLabel("zr2025");
    ASSERT_TRUE(challenge);
    EXPECT_EQ(challenge->id, id);
    challenge->end_date = Day("2025-12-31");
    challenge->active = false;
    challenge->label = "zr2025b";
    challenge->url = "https://example.org/b";
    conn.Exec(
        "INSERT INTO evaluators (id, label, host, executor, script_path, base_arguments) "
        "VALUES (1, 'abx', NULL, 'bash', '/opt/abx.sh', '-a;-b')");
    challenge->evaluator = 1;
    challenges.Update(*challenge);
    auto updated = challenges.Find(id);
    ASSERT_TRUE(updated);
    EXPECT_EQ(updated->label, "zr2025b");
    EXPECT_EQ(updated->end_date, Day("2025-12-31"));
    EXPECT_FALSE(updated->active);
    EXPECT_EQ(updated->url, "https://example.org/b");
    EXPECT_EQ(updated->evaluator, 1);
    EXPECT_FALSE(challenges.FindByLabel("zr2025"));
    EXPECT_FALSE(challenges.Find(99));

    challenge->label = "zr2015";
    EXPECT_THROW(challenges.Update(*challenge), UniqueViolation);
}

TEST_F(DbFixture, MalformedStoredDateIsADbErrorNamingTheCell) {
    Connection& conn = OpenFresh();
    conn.Exec(
        "INSERT INTO challenges (id, label, start_date, end_date, active, url) "
        "VALUES (7, 'bad', '2021-13-45', NULL, 1, 'https://x')");
    try {
        ChallengeRepository(conn).Find(7);
        FAIL() << "malformed date accepted";
    } catch (const DbError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("challenges.start_date"), std::string::npos) << what;
        EXPECT_NE(what.find("id=7"), std::string::npos) << what;
    }
    conn.Exec(
        "INSERT INTO challenge_submissions (id, user_id, track_id, submit_date, status) "
        "VALUES ('s1', 1, 7, 'yesterday', 'uploaded')");
    EXPECT_THROW(SubmissionRepository(conn).Find("s1"), DbError);
    UserRepository(conn).Create(MakeUser("u1", "u1@example.org"));
    conn.Exec("INSERT INTO logged_users VALUES ('tok', 1, 'soon')");
    try {
        SessionRepository(conn).ListLogged(std::chrono::system_clock::now());
        FAIL() << "malformed datetime accepted";
    } catch (const DbError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("logged_users.expiration_date"), std::string::npos) << what;
        EXPECT_NE(what.find("user_id=1"), std::string::npos) << what;
        EXPECT_EQ(what.find("tok"), std::string::npos) << "a token leaked into: " << what;
    }
}

TEST_F(DbFixture, EvaluatorsAndLeaderboardsRead) {
    Connection& conn = OpenFresh();
    conn.Exec(
        "INSERT INTO evaluators VALUES (1, 'abx', NULL, 'python', '/opt/abx.py', 'a;b');"
        "INSERT INTO evaluators VALUES (2, 'tde', 'oberon', 'sbatch', '/opt/tde.sh', '')");
    EvaluatorRepository evaluators(conn);
    auto abx = evaluators.Find(1);
    ASSERT_TRUE(abx);
    EXPECT_EQ(abx->label, "abx");
    EXPECT_FALSE(abx->host);
    EXPECT_EQ(abx->executor, "python");
    EXPECT_EQ(abx->base_arguments, "a;b");
    EXPECT_EQ(evaluators.List().at(1).host, "oberon");
    EXPECT_FALSE(evaluators.Find(3));

    conn.Exec(
        "INSERT INTO leaderboards VALUES (1, 3, 'lb-a', 'leaderboards/a.json', 'entry.json', 0, "
        "'archive/a', 1, 'scores.total');"
        "INSERT INTO leaderboards VALUES (2, 4, 'lb-b', 'leaderboards/b.json', 'entry.json', 1, '', 0, 'x')");
    LeaderboardRepository leaderboards(conn);
    auto a = leaderboards.Find(1);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->challenge_id, 3);
    EXPECT_EQ(a->label, "lb-a");
    EXPECT_EQ(a->path_to, "leaderboards/a.json");
    EXPECT_FALSE(a->archived);
    EXPECT_TRUE(a->static_files);
    EXPECT_EQ(a->sorting_key, "scores.total");
    EXPECT_EQ(leaderboards.List().size(), 2u);
    ASSERT_EQ(leaderboards.ListByChallenge(4).size(), 1u);
    EXPECT_TRUE(leaderboards.ListByChallenge(4)[0].archived);
    EXPECT_THROW(conn.Exec("INSERT INTO leaderboards (id, label) VALUES (3, 'lb-a')"), UniqueViolation);
}

}  // namespace
}  // namespace zr::db
