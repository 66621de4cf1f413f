#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/utilities.h>

#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include <anodeless/io/checkpoint.h>

#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace anodeless
{
  namespace
  {
    const std::string magic = "anodeless checkpoint 1\n";

    volatile std::sig_atomic_t stop_signal = 0;

    extern "C" void
    on_stop_signal(int)
    {
      stop_signal = 1;
    }

    std::uint64_t
    checksum(const std::vector<char> &bytes)
    {
      std::uint64_t h = 1469598103934665603ULL; // FNV-1a
      for (const char c : bytes)
        {
          h ^= static_cast<unsigned char>(c);
          h *= 1099511628211ULL;
        }
      return h;
    }

    /// The contents of one checkpoint file, or empty if it is missing or
    /// damaged (truncated, wrong checksum).
    std::optional<std::vector<char>>
    read_file(const std::string &path)
    {
      std::ifstream in(path, std::ios::binary);
      if (!in)
        return {};
      std::string header(magic.size(), '\0');
      in.read(header.data(), header.size());
      std::uint64_t size = 0, sum = 0;
      in.read(reinterpret_cast<char *>(&size), sizeof(size));
      if (!in || header != magic || size > (1ULL << 40))
        return {};
      std::vector<char> bytes(size);
      in.read(bytes.data(), size);
      in.read(reinterpret_cast<char *>(&sum), sizeof(sum));
      if (!in || sum != checksum(bytes))
        return {};
      return bytes;
    }

    std::string
    trim(const std::string &s)
    {
      const auto begin = s.find_first_not_of(" \t");
      if (begin == std::string::npos)
        return "";
      return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
    }

    /// path -> value of every 'set' line of an expanded .prm text.
    std::map<std::string, std::string>
    settings(const std::string &prm)
    {
      std::map<std::string, std::string> result;
      std::vector<std::string>           sections;
      std::istringstream                 in(prm);
      std::string                        line;
      while (std::getline(in, line))
        {
          const std::string content = trim(line.substr(0, line.find('#')));
          if (content.rfind("subsection ", 0) == 0)
            sections.push_back(trim(content.substr(11)));
          else if (content == "end" && !sections.empty())
            sections.pop_back();
          else if (content.rfind("set ", 0) == 0 &&
                   content.find('=') != std::string::npos)
            {
              const auto  eq   = content.find('=');
              std::string path = "";
              for (const auto &s : sections)
                path += s + "/";
              result[path + trim(content.substr(4, eq - 4))] =
                trim(content.substr(eq + 1));
            }
        }
      return result;
    }
  } // namespace

  void
  CheckpointParameters::declare(dealii::ParameterHandler &prm)
  {
    using namespace dealii;
    prm.enter_subsection("Checkpoint");
    prm.add_parameter(
      "Resume",
      resume_name,
      "auto: resume from the checkpoint in the output folder if there is a "
      "complete one, else start afresh; never: start afresh and remove old "
      "checkpoints; always: resume, and stop with an error if there is no "
      "checkpoint. A resumed run must have the same parameters, except this "
      "subsection, Output/Verbosity, Output/Field output interval, Output/"
      "Directory, Protocol/Number of cycles and Electrochemistry/Solver.",
      Patterns::Selection("auto|never|always"));
    prm.add_parameter("Every steps",
                      every_steps,
                      "Write a checkpoint every this many time steps; 0: not "
                      "by step count.",
                      Patterns::Integer(0, 100000000));
    prm.add_parameter("Every minutes",
                      every_minutes,
                      "Write a checkpoint after this many minutes of wall "
                      "time since the last one; 0: not by wall time.",
                      Patterns::Double(0, 1e6));
    prm.add_parameter("On signal",
                      on_signal,
                      "On SIGTERM or SIGUSR1 (a batch system's warning "
                      "before the time limit), write a checkpoint at the end "
                      "of the current time step and stop (exit code 4).",
                      Patterns::Bool());
    prm.add_parameter("Forced failure at time step",
                      forced_failure_step,
                      "For testing the failure path only: from this time "
                      "step on, every Newton solve fails. 0: off.",
                      Patterns::Integer(0, 100000000));
    prm.leave_subsection();
  }

  std::string
  checkpoint_path(const std::string &folder, const bool previous)
  {
    return folder + (previous ? "/checkpoint.previous.bin" : "/checkpoint.bin");
  }

  void
  write_checkpoint(const std::string        &folder,
                   const CheckpointContents &contents,
                   MPI_Comm                  comm)
  {
    const auto gathered =
      dealii::Utilities::MPI::gather(comm, contents.cells, 0);
    std::string error;
    if (dealii::Utilities::MPI::this_mpi_process(comm) == 0)
      {
        CheckpointContents all = contents;
        all.cells.clear();
        for (const auto &rank : gathered)
          for (const auto &[section, cells] : rank)
            all.cells[section].insert(cells.begin(), cells.end());
        const std::vector<char> bytes = dealii::Utilities::pack(all, false);
        const std::uint64_t     size  = bytes.size();
        const std::uint64_t     sum   = checksum(bytes);
        const std::string       fresh = folder + "/checkpoint.new";
        std::FILE              *file  = std::fopen(fresh.c_str(), "wb");
        bool                    ok    = file != nullptr;
        if (ok)
          {
            ok = std::fwrite(magic.data(), 1, magic.size(), file) ==
                   magic.size() &&
                 std::fwrite(&size, sizeof(size), 1, file) == 1 &&
                 std::fwrite(bytes.data(), 1, size, file) == size &&
                 std::fwrite(&sum, sizeof(sum), 1, file) == 1 &&
                 std::fflush(file) == 0 && ::fsync(fileno(file)) == 0;
            ok = (std::fclose(file) == 0) && ok;
          }
        if (!ok)
          error = "cannot write the checkpoint '" + fresh +
                  "' (disk full or folder not writable?)";
        else
          {
            std::error_code ec;
            const auto      current = checkpoint_path(folder);
            if (std::filesystem::exists(current))
              std::filesystem::rename(current,
                                      checkpoint_path(folder, true),
                                      ec);
            if (!ec)
              std::filesystem::rename(fresh, current, ec);
            if (ec)
              error = "cannot switch in the checkpoint in '" + folder +
                      "': " + ec.message();
          }
      }
    error = dealii::Utilities::MPI::broadcast(comm, error, 0);
    if (!error.empty())
      throw std::runtime_error(error);
  }

  std::optional<CheckpointContents>
  read_checkpoint(const std::string &folder, MPI_Comm comm)
  {
    std::vector<char> bytes;
    if (dealii::Utilities::MPI::this_mpi_process(comm) == 0)
      for (const bool previous : {false, true})
        if (auto found = read_file(checkpoint_path(folder, previous)))
          {
            bytes = std::move(*found);
            break;
          }
    bytes = dealii::Utilities::MPI::broadcast(comm, bytes, 0);
    if (bytes.empty())
      return {};
    return dealii::Utilities::unpack<CheckpointContents>(bytes, false);
  }

  void
  remove_checkpoints(const std::string &folder)
  {
    std::error_code ec;
    for (const bool previous : {false, true})
      std::filesystem::remove(checkpoint_path(folder, previous), ec);
    std::filesystem::remove(folder + "/checkpoint.new", ec);
  }

  std::vector<std::string>
  changed_parameters(const std::string &before, const std::string &now)
  {
    const auto free = [](const std::string &path) {
      for (const char *prefix : {"Checkpoint/",
                                 "Output/Verbosity",
                                 "Output/Field output interval",
                                 "Output/Directory",
                                 "Protocol/Number of cycles",
                                 "Electrochemistry/Solver/"})
        if (path.rfind(prefix, 0) == 0)
          return true;
      return false;
    };
    const auto               a = settings(before), b = settings(now);
    std::vector<std::string> changed;
    for (const auto &[path, value] : a)
      if (!free(path) && (!b.count(path) || b.at(path) != value))
        changed.push_back(path + " (was " + value + ", now " +
                          (b.count(path) ? b.at(path) : "not set") + ")");
    for (const auto &[path, value] : b)
      if (!free(path) && !a.count(path))
        changed.push_back(path + " (new)");
    return changed;
  }

  void
  CellRecord::put(const std::vector<double> &values)
  {
    out->push_back(values.size());
    out->insert(out->end(), values.begin(), values.end());
  }

  void
  CellRecord::put(const double value)
  {
    out->push_back(value);
  }

  std::vector<double>
  CellRecord::take()
  {
    const std::size_t n = static_cast<std::size_t>(take_one());
    if (position + n > in->size())
      throw std::runtime_error("a checkpoint record of a cell is too short");
    std::vector<double> values(in->begin() + position,
                               in->begin() + position + n);
    position += n;
    return values;
  }

  double
  CellRecord::take_one()
  {
    if (position >= in->size())
      throw std::runtime_error("a checkpoint record of a cell is too short");
    return (*in)[position++];
  }

  bool
  CellRecord::exhausted() const
  {
    return position >= in->size();
  }

  bool
  stop_requested()
  {
    return stop_signal != 0;
  }

  void
  install_stop_signals()
  {
    std::signal(SIGTERM, on_stop_signal);
    std::signal(SIGUSR1, on_stop_signal);
  }
} // namespace anodeless
