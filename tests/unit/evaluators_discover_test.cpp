// EvaluatorService::Discover on this host (a temporary bin folder) and on a remote one (a fake
// `ssh` first on PATH that records its arguments), and the executor checks.
#include <gtest/gtest.h>

#include "evaluators_fixture.hpp"

namespace {

using zr::ErrorKind;
using zr::evaluators::testing::CatchError;
using zr::evaluators::testing::ReadFile;
using zr::evaluators::testing::WriteFile;
namespace fs = std::filesystem;

class DiscoverTest : public zr::evaluators::testing::EvaluatorsTest {
protected:
    void SetUp() override {
        EvaluatorsTest::SetUp();
        WriteFile(bin_ / "abx.py", "print('abx')\n");
        WriteFile(bin_ / "tde" / "run.sh", "echo tde\n", true);
    }
    std::vector<std::string> Labels(const std::vector<zr::domain::Evaluator>& list) {
        std::vector<std::string> labels;
        for (const auto& evaluator : list) labels.push_back(evaluator.label);
        return labels;
    }
    // The argument lines the fake ssh recorded, one call per line.
    std::vector<std::string> SshCalls() {
        std::vector<std::string> calls;
        std::istringstream in(ReadFile(root_ / "ssh_calls"));
        for (std::string line; std::getline(in, line);) calls.push_back(line);
        return calls;
    }
    // A fake ssh: records "$*" and runs the remote command against the given files.
    void FakeSsh(const std::string& index_text, int docker_status = 0) {
        WriteFile(root_ / "remote_index.yml", index_text);
        FakeProgram("ssh", "echo \"$*\" >> '" + (root_ / "ssh_calls").string() +
                               "'\n"
                               "case \"$*\" in\n"
                               "  *' cat '*) cat '" +
                               (root_ / "remote_index.yml").string() +
                               "' ;;\n"
                               "  *' docker info') echo 'docker says' >&2; exit " +
                               std::to_string(docker_status) +
                               " ;;\n"
                               "  *) exit 99 ;;\n"
                               "esac");
    }
};

TEST_F(DiscoverTest, RegistersLocalEvaluatorsThenReportsUnchangedAndUpdated) {
    WriteIndex(R"(
evaluators:
  abx:
    executor: python
    script_path: abx.py
    base_arguments: ["-OO"]
  tde:
    executor: bash
    script_path: )" +
               (bin_ / "tde" / "run.sh").string() + "\n");
    auto service = Service();
    auto result = service.Discover(std::nullopt);
    EXPECT_EQ(Labels(result.added), (std::vector<std::string>{"abx", "tde"}));
    EXPECT_TRUE(result.updated.empty());
    ASSERT_EQ(result.added.size(), 2u);
    EXPECT_EQ(result.added[0].id, 1);
    EXPECT_EQ(result.added[1].id, 2);

    const auto abx = service.Get(1);
    EXPECT_EQ(abx.label, "abx");
    EXPECT_FALSE(abx.host);  // this host
    EXPECT_EQ(abx.executor, "python");
    EXPECT_EQ(abx.script_path, (bin_ / "abx.py").string());
    EXPECT_EQ(abx.base_arguments, "-OO");

    result = service.Discover(std::nullopt);
    EXPECT_EQ(Labels(result.unchanged), (std::vector<std::string>{"abx", "tde"}));
    EXPECT_TRUE(result.added.empty() && result.updated.empty());

    WriteIndex(R"(
evaluators:
  abx:
    executor: python
    script_path: abx.py
    base_arguments: ["-OO", "-u"]
  tde:
    executor: bash
    script_path: tde/run.sh
  new-one:
    executor: bash
    script_path: tde/run.sh
)");
    result = service.Discover(std::nullopt);
    EXPECT_EQ(Labels(result.updated), std::vector<std::string>{"abx"});
    EXPECT_EQ(Labels(result.unchanged), std::vector<std::string>{"tde"});  // same absolute path
    EXPECT_EQ(Labels(result.added), std::vector<std::string>{"new-one"});
    EXPECT_EQ(result.updated[0].id, 1);
    EXPECT_EQ(result.added[0].id, 3);
    EXPECT_EQ(service.Get(1).base_arguments, "-OO;-u");
    EXPECT_EQ(service.List().size(), 3u);

    // Discovering this host by its name is the same as --local.
    result = service.Discover(std::string("testhost"));
    EXPECT_EQ(result.unchanged.size(), 3u);
}

TEST_F(DiscoverTest, HostWithoutBinFolderIsRefused) {
    settings_.remote_bin.clear();
    auto error = CatchError([&] { Service().Discover(std::nullopt); });
    EXPECT_EQ(error.kind(), ErrorKind::kInvalidInput);
    EXPECT_EQ(error.message(), "no bin folder for host testhost: set ZR_REMOTE_BIN");

    settings_.hosts = {"gpu1"};
    error = CatchError([&] { Service().Discover(std::string("gpu1")); });
    EXPECT_EQ(error.message(), "no bin folder for host gpu1: set ZR_REMOTE_BIN");
    error = CatchError([&] { Service().Discover(std::string("elsewhere")); });
    EXPECT_EQ(error.message(), "unknown host 'elsewhere': not in ZR_HOSTS or ZR_REMOTE_BIN");
}

TEST_F(DiscoverTest, MissingIndexIsAnError) {
    try {
        Service().Discover(std::nullopt);
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find((bin_ / "index.yml").string()), std::string::npos) << e.what();
    }
}

TEST_F(DiscoverTest, ScriptOutsideTheBinFolderIsRefusedAndNothingIsRegistered) {
    WriteFile(root_ / "outside" / "evil.sh", "echo evil\n", true);
    fs::create_symlink(root_ / "outside" / "evil.sh", bin_ / "link.sh");
    fs::create_symlink(bin_ / "tde" / "run.sh", bin_ / "inside-link.sh");
    WriteIndex(R"(
evaluators:
  fine:
    executor: bash
    script_path: inside-link.sh
  absolute:
    executor: bash
    script_path: )" +
               (root_ / "outside" / "evil.sh").string() + R"(
  dotdot:
    executor: bash
    script_path: ../outside/evil.sh
  symlink:
    executor: bash
    script_path: link.sh
  missing:
    executor: bash
    script_path: nope.sh
  folder:
    executor: bash
    script_path: tde
)");
    const auto error = CatchError([&] { Service().Discover(std::nullopt); });
    const std::string message = error.message();
    EXPECT_EQ(error.kind(), ErrorKind::kInvalidInput);
    EXPECT_EQ(message.rfind((bin_ / "index.yml").string() + ": ", 0), 0u) << message;
    EXPECT_NE(message.find("evaluator 'absolute': script_path " + (root_ / "outside" / "evil.sh").string() +
                           " is outside the bin folder"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("evaluator 'dotdot': script_path"), std::string::npos) << message;
    EXPECT_NE(message.find("evaluator 'symlink': script_path " + (bin_ / "link.sh").string() + " (" +
                           fs::canonical(root_ / "outside" / "evil.sh").string() + ") is outside the bin folder"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("evaluator 'missing': script_path " + (bin_ / "nope.sh").string() + " does not exist"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("evaluator 'folder': script_path " + (bin_ / "tde").string() + " is not a file"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("'fine'"), std::string::npos) << message;
    EXPECT_TRUE(Service().List().empty());  // all or nothing
}

TEST_F(DiscoverTest, BinFolderBehindASymlinkStillContainsItsScripts) {
    fs::create_symlink(bin_, root_ / "bin-link");
    settings_.remote_bin["testhost"] = (root_ / "bin-link").string();
    WriteIndex("evaluators:\n  abx: {executor: python, script_path: abx.py}\n");
    const auto result = Service().Discover(std::nullopt);
    ASSERT_EQ(result.added.size(), 1u);
    EXPECT_EQ(result.added[0].script_path, (root_ / "bin-link" / "abx.py").string());
}

TEST_F(DiscoverTest, DockerIsRefusedWithoutAnEngine) {
    WriteIndex("evaluators:\n  dk:\n    executor: docker\n    script_path: abx.py\n    base_arguments: [python:3]\n");
    FakeProgram("docker", "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2; exit 1");
    UseFakePath();
    auto error = CatchError([&] { Service().Discover(std::nullopt); });
    EXPECT_NE(error.message().find("evaluator 'dk': executor docker refused: no Docker engine answers on this host "
                                   "('docker info' failed: Cannot connect to the Docker daemon"),
              std::string::npos)
        << error.message();
    EXPECT_TRUE(Service().List().empty());

    fs::remove(fake_path_ / "docker");  // not installed at all
    error = CatchError([&] { Service().Discover(std::nullopt); });
    EXPECT_NE(error.message().find("executor docker refused: no Docker engine on this host (cannot run docker: "),
              std::string::npos)
        << error.message();

    FakeProgram("docker", "[ \"$1\" = info ] && exit 0; exit 3");  // an engine answers
    EXPECT_EQ(Service().Discover(std::nullopt).added.size(), 1u);
}

TEST_F(DiscoverTest, SbatchIsRefusedWhenNotOnPath) {
    WriteIndex("evaluators:\n  slurm: {executor: sbatch, script_path: tde/run.sh}\n");
    UseFakePath();
    const auto error = CatchError([&] { Service().Discover(std::nullopt); });
    EXPECT_NE(error.message().find("evaluator 'slurm': executor sbatch refused: sbatch is not on PATH"),
              std::string::npos)
        << error.message();
    FakeProgram("sbatch", "exit 0");
    EXPECT_EQ(Service().Discover(std::nullopt).added.size(), 1u);
}

TEST_F(DiscoverTest, RemoteDiscoveryRunsSshWithTheExactCommandLine) {
    settings_.hosts = {"gpu1"};
    settings_.remote_bin["gpu1"] = "/srv/zr bin/";  // a space: quoted for the remote shell
    FakeSsh(R"(
evaluators:
  remote-abx:
    executor: python
    script_path: abx/eval.py
    base_arguments: ["-OO"]
  remote-dk:
    executor: docker
    script_path: /srv/zr bin/dk.sh
    base_arguments: ["img:2"]
)");
    UseFakePath(true);
    const auto result = Service().Discover(std::string("gpu1"));
    EXPECT_EQ(Labels(result.added), (std::vector<std::string>{"remote-abx", "remote-dk"}));
    EXPECT_EQ(SshCalls(),
              (std::vector<std::string>{"-o BatchMode=yes -o ConnectTimeout=10 gpu1 cat '/srv/zr bin/index.yml'",
                                        "-o BatchMode=yes -o ConnectTimeout=10 gpu1 docker info"}));
    const auto abx = Service().Get(result.added[0].id);
    EXPECT_EQ(abx.host, std::optional<std::string>("gpu1"));
    EXPECT_EQ(abx.script_path, "/srv/zr bin/abx/eval.py");  // not checked locally: it is gpu1's path
    EXPECT_EQ(abx.base_arguments, "-OO");
}

TEST_F(DiscoverTest, RemoteDiscoveryRecordsArgvOneByOne) {
    settings_.remote_bin["gpu2"] = "/srv/bin";
    // This fake writes each argument on its own line, so the split into argv is checked too.
    FakeProgram("ssh", "for a in \"$@\"; do echo \"$a\"; done > '" + (root_ / "argv").string() +
                           "'\necho 'evaluators: {a: {executor: bash, script_path: a.sh}}'");
    UseFakePath();
    Service().Discover(std::string("gpu2"));
    EXPECT_EQ(ReadFile(root_ / "argv"), "-o\nBatchMode=yes\n-o\nConnectTimeout=10\ngpu2\ncat\n/srv/bin/index.yml\n");
}

TEST_F(DiscoverTest, RemoteDockerWithoutEngineAndSshFailures) {
    settings_.remote_bin["gpu1"] = "/srv/bin";
    FakeSsh("evaluators:\n  dk: {executor: docker, script_path: dk.sh, base_arguments: [img]}\n", 1);
    UseFakePath(true);  // the fake uses cat
    auto error = CatchError([&] { Service().Discover(std::string("gpu1")); });
    EXPECT_EQ(error.message(),
              "gpu1:/srv/bin/index.yml: evaluator 'dk': executor docker refused: no Docker engine "
              "answers on gpu1 ('docker info' failed: docker says)");

    FakeProgram("ssh", "echo 'ssh: connect to host gpu1 port 22: Connection refused' >&2; exit 255");
    try {
        Service().Discover(std::string("gpu1"));
        FAIL() << "no error";
    } catch (const zr::Error& e) {
        FAIL() << e.message();
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(
            std::string(e.what()),
            "cannot read gpu1:/srv/bin/index.yml over ssh: ssh: connect to host gpu1 port 22: Connection refused");
    }
}

TEST_F(DiscoverTest, UnknownIdAndHosts) {
    const auto error = CatchError([&] { Service().Get(42); });
    EXPECT_EQ(error.kind(), ErrorKind::kNotFound);
    EXPECT_EQ(error.message(), "There is no evaluator with the following id: 42");

    settings_.hosts = {"gpu1", "testhost"};
    settings_.remote_bin["gpu2"] = "/srv/bin2";
    settings_.remote_storage = {{"gpu1", "/data/gpu1"}};
    const auto hosts = Service().Hosts();
    ASSERT_EQ(hosts.size(), 3u);
    EXPECT_EQ(hosts[0].host, "gpu1");
    EXPECT_EQ(hosts[0].bin_dir, "");
    EXPECT_EQ(hosts[0].storage_dir, "/data/gpu1");
    EXPECT_FALSE(hosts[0].local);
    EXPECT_EQ(hosts[1].host, "testhost");
    EXPECT_EQ(hosts[1].bin_dir, bin_.string());
    EXPECT_TRUE(hosts[1].local);
    EXPECT_EQ(hosts[2].host, "gpu2");
    EXPECT_EQ(hosts[2].bin_dir, "/srv/bin2");
}

}  // namespace
