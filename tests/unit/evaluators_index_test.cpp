// ParseIndex (index.yml) and the stored form of base arguments.
#include <gtest/gtest.h>

#include "evaluators_fixture.hpp"

namespace {

using zr::evaluators::IndexEntry;
using zr::evaluators::JoinArguments;
using zr::evaluators::ParseIndex;
using zr::evaluators::SplitArguments;
using zr::evaluators::testing::CatchError;

TEST(EvaluatorsIndexTest, ParsesEntriesInFileOrder) {
    const auto entries = ParseIndex(R"(
evaluators:
  zr2021-abx:
    executor: python
    script_path: /srv/evaluators/zr2021/abx_eval.py
    base_arguments: ["-OO"]
  tde:
    executor: bash
    script_path: tde/run.sh
  sb:
    executor: sbatch
    script_path: ./x/../slurm.sh
    base_arguments: [--partition=gpu, "-c", 4]
    comment: unknown keys are ignored
)",
                                    "/srv/bin");
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].label, "zr2021-abx");
    EXPECT_EQ(entries[0].executor, "python");
    EXPECT_EQ(entries[0].script_path, "/srv/evaluators/zr2021/abx_eval.py");
    EXPECT_EQ(entries[0].base_arguments, std::vector<std::string>{"-OO"});
    EXPECT_EQ(entries[1].label, "tde");
    EXPECT_EQ(entries[1].script_path, "/srv/bin/tde/run.sh");  // relative to the bin folder
    EXPECT_TRUE(entries[1].base_arguments.empty());
    EXPECT_EQ(entries[2].script_path, "/srv/bin/slurm.sh");
    EXPECT_EQ(entries[2].base_arguments, (std::vector<std::string>{"--partition=gpu", "-c", "4"}));
}

TEST(EvaluatorsIndexTest, EmptyEvaluatorsMappingIsNoEntries) {
    EXPECT_TRUE(ParseIndex("evaluators: {}\n", "/b").empty());
}

TEST(EvaluatorsIndexTest, ReportsEveryProblemAtOnce) {
    const auto error = CatchError([] {
        ParseIndex(R"(
evaluators:
  good:
    executor: bash
    script_path: ok.sh
  no-executor:
    script_path: a.sh
  no-script:
    executor: python
  strange:
    executor: perl
    script_path: b.pl
  bad-args:
    executor: bash
    script_path: c.sh
    base_arguments: "-x -y"
  nested-args:
    executor: bash
    script_path: c.sh
    base_arguments: [[a]]
  semicolon:
    executor: bash
    script_path: c.sh
    base_arguments: ["a;b"]
  scalar: just a string
  image-less:
    executor: docker
    script_path: d.sh
)",
                   "/srv/bin");
    });
    EXPECT_EQ(error.kind(), zr::ErrorKind::kInvalidInput);
    const std::string message = error.message();
    EXPECT_EQ(message.rfind("index.yml: ", 0), 0u) << message;
    EXPECT_NE(message.find("evaluator 'no-executor': missing executor"), std::string::npos) << message;
    EXPECT_NE(message.find("evaluator 'no-script': missing script_path"), std::string::npos) << message;
    EXPECT_NE(message.find("evaluator 'strange': unknown executor 'perl'"), std::string::npos) << message;
    EXPECT_NE(message.find("evaluator 'bad-args': base_arguments must be a list of strings"), std::string::npos);
    EXPECT_NE(message.find("evaluator 'nested-args': base_arguments"), std::string::npos) << message;
    EXPECT_NE(message.find("evaluator 'semicolon': base_arguments items cannot contain ';'"), std::string::npos);
    EXPECT_NE(message.find("evaluator 'scalar': not a mapping"), std::string::npos) << message;
    EXPECT_NE(message.find("evaluator 'image-less': executor docker needs the image"), std::string::npos);
    EXPECT_EQ(message.find("'good'"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);  // one line for the CLI
}

TEST(EvaluatorsIndexTest, RefusesWhatIsNotAnIndex) {
    for (const std::string text : {"", "evaluators: [a, b]\n", "- a\n- b\n", "other: {}\n"}) {
        const auto error = CatchError([&] { ParseIndex(text, "/b"); });
        EXPECT_NE(error.message().find("expected a mapping 'evaluators:"), std::string::npos) << text;
    }
    const auto error = CatchError([] { ParseIndex("evaluators:\n  a: [unclosed\n", "/b"); });
    EXPECT_NE(error.message().find("not valid YAML (line "), std::string::npos) << error.message();
}

TEST(EvaluatorsIndexTest, RefusesADuplicateLabel) {
    const auto error = CatchError([] {
        ParseIndex("evaluators:\n  a: {executor: bash, script_path: x}\n  a: {executor: bash, script_path: y}\n", "/b");
    });
    EXPECT_NE(error.message().find("evaluator 'a': defined twice"), std::string::npos) << error.message();
}

TEST(EvaluatorsIndexTest, OptionalVersion) {
    const auto entries = ParseIndex(
        "evaluators:\n  a:\n    executor: bash\n    script_path: a.sh\n    version: 2.1\n"
        "  b:\n    executor: bash\n    script_path: b.sh\n",
        "/srv/bin");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].version, "2.1");
    EXPECT_EQ(entries[1].version, "");
    const auto error = CatchError([] {
        ParseIndex("evaluators:\n  a:\n    executor: bash\n    script_path: a.sh\n    version: [1]\n", "/srv/bin");
    });
    EXPECT_NE(error.message().find("evaluator 'a': version must be a string"), std::string::npos) << error.message();
}

TEST(EvaluatorsIndexTest, IndexVersionToleratesProblemsElsewhere) {
    using zr::evaluators::IndexVersion;
    const std::string text =
        "evaluators:\n  a:\n    executor: bash\n    script_path: a.sh\n    version: '1.0'\n"
        "  broken:\n    executor: cobol\n  c:\n    version: {x: 1}\n";
    EXPECT_EQ(IndexVersion(text, "a"), "1.0");
    EXPECT_EQ(IndexVersion(text, "broken"), std::nullopt);
    EXPECT_EQ(IndexVersion(text, "c"), std::nullopt);
    EXPECT_EQ(IndexVersion(text, "missing"), std::nullopt);
    EXPECT_EQ(IndexVersion("evaluators: [", "a"), std::nullopt);
    EXPECT_EQ(IndexVersion("- a\n- b\n", "a"), std::nullopt);
}

TEST(EvaluatorsIndexTest, ArgumentsRoundTrip) {
    EXPECT_TRUE(SplitArguments("").empty());
    EXPECT_EQ(JoinArguments({}), "");
    EXPECT_EQ(SplitArguments("-OO"), std::vector<std::string>{"-OO"});
    EXPECT_EQ(SplitArguments("a;b;c"), (std::vector<std::string>{"a", "b", "c"}));
    const std::vector<std::string> arguments = {"image:1", "--gpus", "all"};
    EXPECT_EQ(JoinArguments(arguments), "image:1;--gpus;all");
    EXPECT_EQ(SplitArguments(JoinArguments(arguments)), arguments);
}

}  // namespace
