// Checkpoint and resume of a run: what the run itself holds (time, protocol
// position, tallies, summaries, output records) next to the fields' states.
#include <deal.II/base/utilities.h>

#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>

#include <anodeless/core/errors.h>
#include <anodeless/simulation_impl.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace anodeless
{
  using namespace dealii;

  namespace
  {
    /// The run's own state as one serializable record.
    struct RunState
    {
      std::vector<double>       numbers;
      std::vector<unsigned int> counters;
      std::vector<std::string>  locations;
      std::vector<double>       cycle_discharge;
      Json                      run_summary, steps, cycles, events;
      PvdRecord                 fields, mechanics;

      template <class Archive>
      void
      serialize(Archive &archive, const unsigned int)
      {
        archive &numbers &counters &locations &cycle_discharge &run_summary
          &steps &cycles &events &fields &mechanics;
      }
    };
  } // namespace

  template <int dim>
  void
  Simulation<dim>::find_checkpoint()
  {
    const auto &cp = parameters.checkpoint;
    if (cp.resume == Resume::never)
      return;
    checkpoint_found = read_checkpoint(output_dir, world);
    if (!checkpoint_found)
      {
        if (cp.resume == Resume::always)
          throw InputError("Checkpoint/Resume",
                           "'always' asks to resume, but the output folder '" +
                             output_dir +
                             "' holds no complete checkpoint (checkpoint.bin "
                             "or checkpoint.previous.bin). Use 'auto' to "
                             "start afresh when there is none.");
        return;
      }
    if (checkpoint_found->dimension != dim)
      throw InputError("Dimension",
                       "the checkpoint in '" + output_dir + "' is of a " +
                         std::to_string(checkpoint_found->dimension) +
                         "D run and this run is " + std::to_string(dim) +
                         "D. Resume with the same dimension (--dim), or set "
                         "Checkpoint/Resume = never to start afresh.");
    const auto changed =
      changed_parameters(checkpoint_found->parameters, parameters.expanded_prm);
    if (!changed.empty())
      {
        std::string list;
        for (const auto &c : changed)
          list += (list.empty() ? "" : "; ") + c;
        throw InputError("Checkpoint/Resume",
                         "the checkpoint in '" + output_dir +
                           "' was written with other parameters: " + list +
                           ". A resumed run may change only the Checkpoint "
                           "subsection, Output/Verbosity, Output/Field output "
                           "interval, Output/Directory, Protocol/Number of "
                           "cycles and Electrochemistry/Solver. Restore them, "
                           "or set Checkpoint/Resume = never to start "
                           "afresh.");
      }
  }

  template <int dim>
  bool
  Simulation<dim>::resume()
  {
    if (!checkpoint_found)
      return false;
    auto &found = *checkpoint_found;
    electrochemistry->load_state(found.cells["electrochemistry"]);
    if (mechanics)
      {
        mechanics->load_state(found.cells["mechanics"]);
        load_coupling_history(found.cells["coupling"]);
      }
    const std::string ranks =
      std::to_string(Utilities::MPI::n_mpi_processes(world));
    unpack_state(found.simulation);
    run_summary["MPI ranks"] = Utilities::MPI::n_mpi_processes(world);
    films_before_step        = electrochemistry->film_thickness();
    if (writer)
      {
        // Continue a CSV file from its length at the checkpoint.
        const auto reopen = [&](const std::string       &name,
                                const unsigned long long bytes) {
          std::vector<std::string> columns;
          std::ifstream            csv(output_dir + "/" + name);
          std::string              header;
          std::getline(csv, header);
          std::stringstream split(header);
          std::string       column;
          while (std::getline(split, column, ','))
            columns.push_back(column);
          return std::make_unique<CsvWriter>(output_dir + "/" + name,
                                             columns,
                                             bytes);
        };
        time_series.reset();
        cycle_series.reset();
        time_series  = reopen("time_series.csv", found.csv_bytes);
        cycle_series = reopen("cycles.csv", cycle_series_bytes);
        if (!field_record.entries().empty())
          field_record.write(output_dir + "/fields.pvd");
        if (!mechanics_record.entries().empty())
          mechanics_record.write(output_dir + "/mechanics.pvd");
      }
    continue_step = true;
    pcout << "resumed from the checkpoint in " << output_dir
          << " at t = " << time << " s: cycle " << progress.cycle << ", step "
          << step_number << ", time step " << time_step_number << " (" << ranks
          << " rank(s) now)\n\n";
    checkpoint_found.reset();
    return true;
  }

  template <int dim>
  bool
  Simulation<dim>::checkpoint_due()
  {
    const auto  &cp  = parameters.checkpoint;
    const double now = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - last_checkpoint)
                         .count();
    // Rank 0's clock decides for all; a signal on any rank stops all.
    unsigned int flags[2] = {
      stop_requested() ? 1u : 0u,
      writer && cp.every_minutes > 0 && now >= 60 * cp.every_minutes ? 1u : 0u};
    Utilities::MPI::max(ArrayView<const unsigned int>(flags, 2),
                        world,
                        ArrayView<unsigned int>(flags, 2));
    if (flags[0] != 0)
      stopped = true;
    return stopped || flags[1] != 0 ||
           (cp.every_steps > 0 && time_step_number % cp.every_steps == 0);
  }

  template <int dim>
  void
  Simulation<dim>::write_checkpoint()
  {
    CheckpointContents contents;
    contents.dimension  = dim;
    contents.parameters = parameters.expanded_prm;
    contents.simulation = pack_state();
    contents.csv_bytes  = time_series ? time_series->size() : 0;
    electrochemistry->save_state(contents.cells["electrochemistry"]);
    if (mechanics)
      {
        mechanics->save_state(contents.cells["mechanics"]);
        save_coupling_history(contents.cells["coupling"]);
      }
    anodeless::write_checkpoint(output_dir, contents, world);
    last_checkpoint = std::chrono::steady_clock::now();
    if (parameters.output.verbosity == Verbosity::detailed)
      pcout << "  checkpoint written at t = " << time << " s\n";
  }

  template <int dim>
  std::vector<char>
  Simulation<dim>::pack_state() const
  {
    RunState     state;
    const double wall =
      wall_before + std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - wall_start)
                      .count();
    state.numbers = {time,
                     previous_voltage,
                     initial_inventory,
                     max_separator_tension,
                     cycle_pressures.first,
                     cycle_pressures.second,
                     margins.soft_short_conductance,
                     progress.t,
                     progress.dt,
                     wall,
                     static_cast<double>(cycle_series ? cycle_series->size() :
                                                        0)};
    for (const double g : progress.g_old)
      state.numbers.push_back(g);
    for (const double m : margins.margin)
      state.numbers.push_back(m);
    for (const double m : cycle_smallest_margin)
      state.numbers.push_back(m);
    for (const Tally &tally : {step_tally, cycle_tally})
      for (const double x : {tally.charge,
                             tally.discharge,
                             tally.charge_energy,
                             tally.discharge_energy,
                             tally.duration})
        state.numbers.push_back(x);
    state.counters        = {time_step_number,
                             step_number,
                             current_cycle,
                             field_index,
                             progress.cycle,
                             progress.step_index,
                             statistics.rejected_steps,
                             statistics.newton_iterations,
                             statistics.linear_iterations};
    state.locations       = {margins.location.begin(), margins.location.end()};
    state.cycle_discharge = cycle_discharge;
    state.run_summary     = run_summary;
    state.steps           = steps_json;
    state.cycles          = cycles_json;
    state.events          = events_json;
    state.fields          = field_record;
    state.mechanics       = mechanics_record;
    return Utilities::pack(state, false);
  }

  template <int dim>
  void
  Simulation<dim>::unpack_state(const std::vector<char> &bytes)
  {
    const auto  state              = Utilities::unpack<RunState>(bytes, false);
    std::size_t k                  = 0;
    const auto  next               = [&]() { return state.numbers.at(k++); };
    time                           = next();
    previous_voltage               = next();
    initial_inventory              = next();
    max_separator_tension          = next();
    cycle_pressures.first          = next();
    cycle_pressures.second         = next();
    margins.soft_short_conductance = next();
    progress.t                     = next();
    progress.dt                    = next();
    wall_before                    = next();
    cycle_series_bytes             = static_cast<unsigned long long>(next());
    for (double &g : progress.g_old)
      g = next();
    for (double &m : margins.margin)
      m = next();
    for (double &m : cycle_smallest_margin)
      m = next();
    for (Tally *tally : {&step_tally, &cycle_tally})
      for (double *x : {&tally->charge,
                        &tally->discharge,
                        &tally->charge_energy,
                        &tally->discharge_energy,
                        &tally->duration})
        *x = next();
    const auto &c                = state.counters;
    time_step_number             = c.at(0);
    step_number                  = c.at(1);
    current_cycle                = c.at(2);
    field_index                  = c.at(3);
    progress.cycle               = c.at(4);
    progress.step_index          = c.at(5);
    statistics.rejected_steps    = c.at(6);
    statistics.newton_iterations = c.at(7);
    statistics.linear_iterations = c.at(8);
    for (unsigned int i = 0;
         i < margins.location.size() && i < state.locations.size();
         ++i)
      margins.location[i] = state.locations[i];
    cycle_discharge  = state.cycle_discharge;
    run_summary      = state.run_summary;
    steps_json       = state.steps;
    cycles_json      = state.cycles;
    events_json      = state.events;
    field_record     = state.fields;
    mechanics_record = state.mechanics;
  }

  template class Simulation<1>;
  template class Simulation<2>;
  template class Simulation<3>;
} // namespace anodeless
