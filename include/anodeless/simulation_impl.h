#pragma once

#include <deal.II/base/conditional_ostream.h>

#include <anodeless/core/run_parameters.h>
#include <anodeless/electrochemistry/cell_electrochemistry.h>
#include <anodeless/electrochemistry/short_circuit.h>
#include <anodeless/geometry/layer_stack.h>
#include <anodeless/geometry/stack_mesh.h>
#include <anodeless/io/checkpoint.h>
#include <anodeless/io/csv_writer.h>
#include <anodeless/io/json.h>
#include <anodeless/io/pvd_record.h>
#include <anodeless/mechanics/cell_mechanics.h>
#include <anodeless/protocol/protocol.h>

#include <array>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace anodeless
{
  /**
   * @brief One run: owns the mesh, the fields and the stages of the
   * experiment. run() reads like the experiment: build the cell, then cycle
   * it following the protocol, writing results as it goes.
   */
  template <int dim>
  class Simulation
  {
  public:
    Simulation(const RunParameters &parameters, MPI_Comm world);
    ~Simulation();

    /// Run (or resume) the experiment. Returns the exit code: 0 when the
    /// protocol is done or a short ended it, 4 when a stop signal ended it
    /// after a checkpoint.
    int
    run();

    /// Results of the run so far (also written to summary.json).
    const Json &
    summary() const
    {
      return run_summary;
    }

  private:
    /// Throughput and energy of a step or a cycle.
    struct Tally
    {
      double charge           = 0; ///< C/m^2 into the cell
      double discharge        = 0; ///< C/m^2 out of the cell
      double charge_energy    = 0; ///< J/m^2
      double discharge_energy = 0; ///< J/m^2
      double duration         = 0; ///< s
    };

    void
    build_cell();

    /// Where the run stands inside the protocol: the state of the time
    /// loop of the current step at its last accepted time step.
    struct Progress
    {
      unsigned int          cycle      = 1;
      unsigned int          step_index = 0; ///< in the cycle's steps
      double                t          = 0; ///< time into the step [s]
      double                dt         = 0; ///< next time step [s]
      std::array<double, 3> g_old{{0, 0, 0}};
    };

    /// Find the checkpoint to resume from (Checkpoint/Resume) and check
    /// that it fits this run; throws InputError if it does not. Called
    /// before anything is written.
    void
    find_checkpoint();

    /// Refine the layer mesh to the adapted mesh of the checkpoint found.
    void
    rebuild_adapted_mesh();

    /// Take over the state of the checkpoint found; false if there is none.
    bool
    resume();

    /// Whether a checkpoint is due now (steps, wall time, stop signal);
    /// collective.
    bool
    checkpoint_due();

    void
    write_checkpoint();

    std::vector<char>
    pack_state() const;

    void
    unpack_state(const std::vector<char> &bytes);

    /// Print the layer table and record it in the run summary.
    void
    report_stack();

    /// The fabrication press: isostatic load, hold, unload; reports the
    /// residual stresses, densities and the thickness change.
    void
    press();

    /// Put the pressed stack in its fixture at the preload.
    void
    mount_in_fixture();

    /// Advance the mechanics over a committed time step and hand its
    /// state to the electrochemistry (staggered coupling).
    void
    advance_mechanics(double dt);

    /// Add the last mechanics solve's linear iterations, solves and
    /// multigrid set-ups to the run's statistics.
    void
    count_mechanics_solve();

    /// With Mechanics/Coupling iterations > 1: solve the electrochemistry
    /// of the time step just solved again with the mechanics of the step's
    /// own end, until the coupling fields settle. If they settle, the
    /// mechanics is left at the step's end (advance_mechanics then only
    /// hands it on) and its start kept in mechanics_start; otherwise it is
    /// left at the start. 'result' gathers the passes' iterations.
    void
    iterate_coupling(double                                          dt,
                     typename CellElectrochemistry<dim>::Control     control,
                     double                                          value,
                     MechanicalCoupling                              applied,
                     typename CellElectrochemistry<dim>::StepResult &result);

    /// The coupling fields for the first pass of a time step of length dt
    /// that starts from @p start: extrapolated along the last committed
    /// step's change (the coupling iteration then mostly settles at its
    /// first check), or @p start itself without a last step.
    MechanicalCoupling
    predict_coupling(const MechanicalCoupling &start, double dt) const;

    /// The last step's coupling and length, by cell id, for a checkpoint
    /// (a resumed run predicts as the straight run does).
    void
    save_coupling_history(
      std::map<std::string, std::vector<double>> &cells) const;
    void
    load_coupling_history(
      const std::map<std::string, std::vector<double>> &cells);

    /// A rejected time step: return a mechanics the coupling iteration
    /// took over the step to the step's start.
    void
    restore_mechanics();

    /// Adapt the mesh to the committed state (Mesh refinement/Adaptive),
    /// carrying every state over.
    void
    adapt_mesh();

    /// Evaluate the short-circuit criteria of the committed state; a met
    /// criterion ends the run with status "short".
    void
    check_short_circuit(unsigned int cycle);

    void
    start_time_series();

    /// Advance through one protocol step until its end condition.
    void
    run_protocol_step(const ProtocolStep &step, unsigned int cycle);

    /// Book a committed time step (throughput, output).
    void
    record_time_step(const ProtocolStep &step, double dt);

    void
    create_time_series(const std::vector<InterfaceSummary> &interfaces);

    /// One row of time_series.csv for the committed state.
    void
    write_time_series_row(const std::string &kind);

    void
    finish_cycle(unsigned int cycle);

    void
    write_fields();

    void
    write_summary() const;

    Json
    tally_json(const Tally &tally) const;

    const RunParameters                       &parameters;
    MPI_Comm                                   world;
    dealii::ConditionalOStream                 pcout;
    bool                                       writer;
    std::string                                output_dir;
    LayerStack                                 stack;
    StackMesh<dim>                             mesh;
    std::unique_ptr<CellElectrochemistry<dim>> electrochemistry;
    std::unique_ptr<CellMechanics<dim>>        mechanics;
    std::vector<std::vector<double>>           films_before_step;
    /// The mechanics at the start of a time step it was already taken over
    /// by the coupling iteration (none otherwise).
    std::shared_ptr<const typename CellMechanics<dim>::Snapshot>
      mechanics_start;
    /// The coupling at the start of the last committed time step and that
    /// step's length (0: none since the last change of protocol step or
    /// mesh), for predict_coupling.
    MechanicalCoupling                         last_step_coupling;
    double                                     last_step_length = 0;
    ShortCircuitMargins                        margins;
    std::array<double, ShortCircuitMargins::n> cycle_smallest_margin{
      {1, 1, 1, 1, 1}};
    bool shorted = false;
    /// Largest principal stress in the separator so far [Pa] (> 0: tension).
    double max_separator_tension = -std::numeric_limits<double>::max();
    /// Stack pressure at the end of this cycle's charge and discharge [Pa].
    std::pair<double, double> cycle_pressures{0, 0};

    double       time              = 0;
    unsigned int time_step_number  = 0;
    unsigned int step_number       = 0;
    unsigned int current_cycle     = 1;
    double       previous_voltage  = 0;
    double       initial_inventory = 0;
    Tally        step_tally, cycle_tally;
    struct
    {
      unsigned int rejected_steps         = 0;
      unsigned int newton_iterations      = 0;
      unsigned int linear_iterations      = 0;
      unsigned int preconditioner_set_ups = 0;
      double       electrochemistry_wall  = 0; ///< s in solve_step
      /// Of that and of the coupling passes' repeated solves: s in the
      /// assemblies and in the linear solves (set-ups included).
      double electrochemistry_assembly_wall = 0;
      /// Passes over the cells (Newton, line search, storing the states).
      unsigned int electrochemistry_assembly_passes = 0;
      double       electrochemistry_linear_wall     = 0;
      /// s in the cycling stage's displacement assemblies and linear solves.
      double       mechanics_assembly_wall = 0;
      double       mechanics_linear_wall   = 0;
      double       mechanics_wall          = 0; ///< s in the mechanics' steps
      unsigned int mechanics_steps         = 0;
      unsigned int mechanics_linear_iterations = 0;
      unsigned int mechanics_linear_solves     = 0;
      unsigned int mechanics_multigrid_set_ups = 0;
      unsigned int mechanics_factorizations    = 0;
      unsigned int mesh_adaptations            = 0;
      /// Electrochemistry solves repeated by the coupling iteration, steps
      /// whose passes ran out before it settled, and the largest change of
      /// the coupling fields left at the end of a step.
      unsigned int coupling_passes = 0;
      /// Newton iterations of those repeated solves (in Newton iterations
      /// too).
      unsigned int coupling_newton_iterations = 0;
      unsigned int unsettled_couplings        = 0;
      double       largest_coupling_change    = 0;
      double       coupling_wall              = 0; ///< s in the repeated passes
      double       adaptation_wall            = 0; ///< s adapting the mesh
    } statistics;
    std::vector<double> cycle_discharge; ///< mAh/g per cycle

    std::unique_ptr<CsvWriter> time_series;
    /// One row per cycle (cycles.csv).
    std::unique_ptr<CsvWriter> cycle_series;
    /// Length of cycles.csv at the checkpoint a run resumes from.
    unsigned long long                    cycle_series_bytes = 0;
    PvdRecord                             field_record, mechanics_record;
    unsigned int                          field_index = 0;
    Json                                  run_summary = Json::object();
    Json                                  steps_json  = Json::array();
    Json                                  cycles_json = Json::array();
    Json                                  events_json = Json::array();
    std::chrono::steady_clock::time_point wall_start;
    std::chrono::steady_clock::time_point last_checkpoint;
    /// Wall time of the earlier runs this one resumes [s].
    double                            wall_before = 0;
    Progress                          progress;
    std::optional<CheckpointContents> checkpoint_found;
    /// The next step continues the one in progress (after a resume).
    bool continue_step = false;
    /// A stop signal ended the run after a checkpoint.
    bool stopped = false;
    /// Inside the commit of a time step (electrochemistry, then mechanics).
    bool committing = false;
  };
} // namespace anodeless
