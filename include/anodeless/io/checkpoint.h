#pragma once

#include <deal.II/base/mpi.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dealii
{
  class ParameterHandler;
}

namespace anodeless
{
  /// When to resume from the checkpoint in the output folder.
  enum class Resume
  {
    automatic, ///< resume if a complete checkpoint is there, else start
    never,     ///< always start afresh (old checkpoints are removed)
    always     ///< a checkpoint must be there
  };

  /// The "Checkpoint" subsection.
  struct CheckpointParameters
  {
    std::string  resume_name         = "auto";
    Resume       resume              = Resume::automatic;
    unsigned int every_steps         = 0;    ///< 0: not by step count
    double       every_minutes       = 30.0; ///< 0: not by wall time
    bool         on_signal           = true; ///< SIGTERM, SIGUSR1
    unsigned int forced_failure_step = 0;    ///< test only; 0: off

    void
    declare(dealii::ParameterHandler &prm);
  };

  /**
   * @brief Per-cell state of the fields, keyed by the cell's id (independent
   * of the partition, so a run can resume on another rank count): section
   * ("electrochemistry", "mechanics") -> cell id -> numbers.
   */
  using CellStates =
    std::map<std::string, std::map<std::string, std::vector<double>>>;

  /// Everything a checkpoint holds.
  struct CheckpointContents
  {
    unsigned int       dimension = 0;
    std::string        parameters;    ///< expanded .prm of the run
    std::vector<char>  simulation;    ///< the run's own state, packed
    CellStates         cells;         ///< on write: this rank's; on read: all
    unsigned long long csv_bytes = 0; ///< time_series.csv length

    template <class Archive>
    void
    serialize(Archive &archive, const unsigned int)
    {
      archive &dimension &parameters &simulation &cells &csv_bytes;
    }
  };

  /// Name of the current and the previous checkpoint in an output folder.
  std::string
  checkpoint_path(const std::string &folder, bool previous = false);

  /**
   * Gather every rank's cell states to rank 0 and write the checkpoint as a
   * new file, then switch it in by renames after all ranks are done: the
   * current checkpoint becomes the previous one, so the last two are kept
   * and a killed write never leaves the folder without a complete one.
   * Collective.
   */
  void
  write_checkpoint(const std::string        &folder,
                   const CheckpointContents &contents,
                   MPI_Comm                  comm);

  /**
   * Read the newest complete checkpoint of @p folder on rank 0 (falling back
   * to the previous one if the newest is damaged) and give it to every
   * rank. Collective. Empty if there is none.
   */
  std::optional<CheckpointContents>
  read_checkpoint(const std::string &folder, MPI_Comm comm);

  /// Remove the checkpoints of @p folder (call on one rank).
  void
  remove_checkpoints(const std::string &folder);

  /**
   * Parameter paths whose values differ between two expanded .prm texts,
   * leaving out those a resumed run may change (the Checkpoint subsection,
   * Output/Verbosity, Output/Field output interval, Protocol/Number of
   * cycles, Electrochemistry/Solver).
   */
  std::vector<std::string>
  changed_parameters(const std::string &before, const std::string &now);

  /// Appends a cell's arrays to a flat record and reads them back in order.
  class CellRecord
  {
  public:
    explicit CellRecord(std::vector<double> &out)
      : out(&out)
    {
    }
    explicit CellRecord(const std::vector<double> &in)
      : in(&in)
    {
    }

    void
    put(const std::vector<double> &values);
    void
    put(double value);
    /// The next array; throws if the record is shorter than expected.
    std::vector<double>
    take();
    double
    take_one();
    /// Whether every array of the record has been taken.
    bool
    exhausted() const;

  private:
    std::vector<double>       *out      = nullptr;
    const std::vector<double> *in       = nullptr;
    std::size_t                position = 0;
  };

  /// Set by SIGTERM and SIGUSR1 once installed (see install_stop_signals).
  bool
  stop_requested();
  void
  install_stop_signals();
} // namespace anodeless
