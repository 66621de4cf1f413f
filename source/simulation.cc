#include <deal.II/base/mpi.h>
#include <deal.II/base/utilities.h>

#include <deal.II/grid/tria.h>

#include <anodeless/core/constants.h>
#include <anodeless/core/errors.h>
#include <anodeless/core/version.h>
#include <anodeless/geometry/conducting_spots.h>
#include <anodeless/io/mesh_output.h>
#include <anodeless/simulation.h>
#include <anodeless/simulation_impl.h>

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <sstream>

#include <sys/resource.h>

namespace anodeless
{
  using namespace dealii;

  namespace
  {
    std::string
    with_unit(const double metres)
    {
      std::ostringstream s;
      s << std::fixed;
      if (metres < 1e-6)
        s << std::setprecision(0) << metres * 1e9 << " nm";
      else
        s << std::setprecision(2) << metres * 1e6 << " um";
      return s.str();
    }

    const char *
    kind_name(const ProtocolStep::Kind kind)
    {
      switch (kind)
        {
          case ProtocolStep::Kind::charge:
            return "charge";
          case ProtocolStep::Kind::discharge:
            return "discharge";
          case ProtocolStep::Kind::hold:
            return "hold";
          default:
            return "rest";
        }
    }
  } // namespace

  template <int dim>
  Simulation<dim>::Simulation(const RunParameters &parameters, MPI_Comm world)
    : parameters(parameters)
    , world(world)
    , pcout(std::cout,
            Utilities::MPI::this_mpi_process(world) == 0 &&
              parameters.output.verbosity != Verbosity::quiet)
    , writer(Utilities::MPI::this_mpi_process(world) == 0)
    , output_dir(output_directory(parameters))
    , stack(parameters.stack)
    , mesh(world)
    , wall_start(std::chrono::steady_clock::now())
    , last_checkpoint(wall_start)
  {
    find_checkpoint();
    if (writer)
      {
        std::filesystem::create_directories(output_dir);
        if (!checkpoint_found)
          remove_checkpoints(output_dir);
        write_file_atomically(output_dir + "/original.prm",
                              parameters.input_text);
        write_file_atomically(output_dir + "/parameters.prm",
                              parameters.expanded_prm);
        write_file_atomically(output_dir + "/parameters.json",
                              parameters.expanded_json);
      }
    MPI_Barrier(world);
  }

  template <int dim>
  Simulation<dim>::~Simulation() = default;

  template <int dim>
  int
  Simulation<dim>::run()
  {
    pcout << "anodeless " << version_string << ": " << parameters.input_file
          << ", " << dim << "D, " << Utilities::MPI::n_mpi_processes(world)
          << " MPI rank(s)\n"
          << "output folder: " << output_dir << "\n\n";
    build_cell();
    report_stack();
    if (dim == 1 && parameters.refinement.adaptive)
      pcout << "note: Mesh refinement/Adaptive is ignored in 1D (nothing "
               "varies across the layers)\n";
    if (!resume())
      {
        press();
        mount_in_fixture();
        start_time_series();
      }
    if (parameters.checkpoint.on_signal)
      install_stop_signals();

    const auto &protocol = parameters.protocol;
    try
      {
        for (unsigned int cycle = progress.cycle;
             cycle <= protocol.cycles && !shorted && !stopped;
             ++cycle)
          {
            const auto steps = protocol.steps_of_cycle(cycle);
            for (unsigned int k = continue_step ? progress.step_index : 0;
                 k < steps.size() && !shorted && !stopped;
                 ++k)
              {
                progress.cycle      = cycle;
                progress.step_index = k;
                run_protocol_step(steps[k], cycle);
              }
            if (!stopped)
              finish_cycle(cycle);
          }
      }
    catch (const SolverFailure &)
      {
        // Keep the last accepted state: a resume with other solver
        // settings can go on from there.
        if (!committing)
          write_checkpoint();
        run_summary["status"] = "failed";
        write_summary();
        throw;
      }
    const double wall =
      wall_before + std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - wall_start)
                      .count();
    if (stopped)
      {
        run_summary["status"] = "stopped";
        write_summary();
        pcout << "\nstopped by a signal after writing a checkpoint at t = "
              << time << " s (cycle " << progress.cycle << ", step "
              << step_number << "); run the same command to resume.\n";
        return 4;
      }
    write_fields();
    run_summary["status"]       = shorted ? "short" : "completed";
    Json solver                 = Json::object();
    solver["time steps"]        = time_step_number;
    solver["rejected steps"]    = statistics.rejected_steps;
    solver["Newton iterations"] = statistics.newton_iterations;
    solver["linear iterations"] = statistics.linear_iterations;
    solver["wall time [s]"]     = wall;
    solver["electrochemistry solve wall time [s]"] =
      statistics.electrochemistry_wall;
    solver["electrochemistry assembly wall time [s]"] =
      statistics.electrochemistry_assembly_wall;
    solver["electrochemistry assembly passes"] =
      statistics.electrochemistry_assembly_passes;
    solver["electrochemistry linear solve wall time [s]"] =
      statistics.electrochemistry_linear_wall;
    solver["mesh adaptations"]              = statistics.mesh_adaptations;
    solver["mesh adaptation wall time [s]"] = statistics.adaptation_wall;
    solver["active cells"]       = mesh.triangulation->n_global_active_cells();
    const auto final_unknowns    = electrochemistry->n_dofs();
    solver["unknowns"]           = final_unknowns.first + final_unknowns.second;
    solver["mechanics unknowns"] = mechanics ? mechanics->n_dofs() : 0u;
    solver["mechanics steps"]    = statistics.mechanics_steps;
    solver["mechanics wall time [s]"] = statistics.mechanics_wall;
    solver["mechanics assembly wall time [s]"] =
      statistics.mechanics_assembly_wall;
    solver["mechanics linear solve wall time [s]"] =
      statistics.mechanics_linear_wall;
    solver["mechanics linear iterations"] =
      statistics.mechanics_linear_iterations;
    solver["mechanics linear solves"] = statistics.mechanics_linear_solves;
    solver["mechanics multigrid set-ups"] =
      statistics.mechanics_multigrid_set_ups;
    solver["mechanics factorizations"] = statistics.mechanics_factorizations;
    solver["preconditioner set-ups"]   = statistics.preconditioner_set_ups;
    solver["coupling passes"]          = statistics.coupling_passes;
    solver["coupling Newton iterations"] =
      statistics.coupling_newton_iterations;
    solver["unsettled couplings"]     = statistics.unsettled_couplings;
    solver["largest coupling change"] = statistics.largest_coupling_change;
    solver["coupling wall time [s]"]  = statistics.coupling_wall;
    // The resident set's high-water mark of each rank, for sizing jobs.
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    const double peak_mb = usage.ru_maxrss / 1024.0; // kB on Linux
    solver["peak memory per rank [MB]"] =
      Utilities::MPI::max(peak_mb, mesh.field_communicator);
    solver["peak memory, all ranks [MB]"] =
      Utilities::MPI::sum(peak_mb, mesh.field_communicator);
    run_summary["solver statistics"] = solver;
    write_summary();
    pcout << "\nrun completed: " << time_step_number << " time steps, "
          << statistics.newton_iterations << " Newton iterations, " << wall
          << " s wall time; results in " << output_dir << "\n";
    return 0;
  }

  template <int dim>
  void
  Simulation<dim>::build_cell()
  {
    make_stack_mesh(*mesh.triangulation, stack, parameters.stack);
    const double spots =
      place_conducting_spots(*mesh.triangulation,
                             stack,
                             parameters.stack,
                             parameters.electrochemistry.halide);
    run_summary["halide conducting area fraction"] = spots;
    weigh_partition(*mesh.triangulation,
                    parameters.refinement.electrode_weight(
                      parameters.mechanics.enabled));
    refine_uniformly(*mesh.triangulation,
                     parameters.refinement.global_refinements);
    rebuild_adapted_mesh();
    PvdRecord mesh_record;
    mesh_record.add(0.0, write_mesh_output(mesh, output_dir));
    if (writer)
      mesh_record.write(output_dir + "/mesh.pvd");

    electrochemistry = std::make_unique<CellElectrochemistry<dim>>(
      parameters,
      stack,
      mesh,
      parameters.protocol.temperature);
    electrochemistry->setup();
    if (parameters.mechanics.enabled)
      {
        mechanics =
          std::make_unique<CellMechanics<dim>>(parameters,
                                               stack,
                                               mesh,
                                               parameters.protocol.temperature);
        mechanics->setup();
      }
    films_before_step = electrochemistry->film_thickness();
  }

  template <int dim>
  void
  Simulation<dim>::press()
  {
    if (!mechanics || !parameters.mechanics.press_enabled)
      return;
    const auto &m = parameters.mechanics;
    pcout << "press: " << m.press_pressure / 1e6 << " MPa isostatic for "
          << m.press_duration / 60 << " min\n";
    const double change                  = mechanics->press();
    Json         result                  = Json::object();
    result["pressure [Pa]"]              = m.press_pressure;
    result["duration [s]"]               = m.press_duration;
    result["stack thickness change [m]"] = change;
    Json layers                          = Json::array();
    pcout << "  stack thickness change " << change * 1e6 << " um\n"
          << "  residual stress after unloading (MPa) and relative density:\n";
    for (const auto &l : mechanics->layer_stresses())
      {
        Json entry                         = Json::object();
        entry["layer"]                     = l.layer;
        entry["max mean stress [Pa]"]      = l.max_hydrostatic;
        entry["min mean stress [Pa]"]      = l.min_hydrostatic;
        entry["max principal stress [Pa]"] = l.max_principal;
        entry["mean relative density"]     = l.mean_relative_density;
        layers.push_back(entry);
        pcout << "    " << std::left << std::setw(27) << l.layer << std::right
              << " mean " << std::setw(9) << std::setprecision(4)
              << l.min_hydrostatic / 1e6 << " .. " << std::setw(9)
              << l.max_hydrostatic / 1e6 << "  max principal " << std::setw(9)
              << l.max_principal / 1e6 << "  D " << l.mean_relative_density
              << "\n";
      }
    result["layers after unloading"] = layers;
    run_summary["press"]             = result;
    if (parameters.output.field_output_interval > 0)
      {
        const std::string record =
          mechanics->write_fields(output_dir, "press", 0);
        if (writer)
          {
            PvdRecord press_record;
            press_record.add(0.0, record);
            press_record.write(output_dir + "/press.pvd");
          }
      }
    pcout << "\n";
  }

  template <int dim>
  void
  Simulation<dim>::mount_in_fixture()
  {
    if (!mechanics)
      return;
    mechanics->mount();
    electrochemistry->apply_mechanics(mechanics->coupling());
    const auto &m = parameters.mechanics;
    pcout << "fixture: " << m.fixture << ", " << m.stack_pressure / 1e6
          << " MPa, lateral " << m.lateral_constraint << "\n\n";
  }

  template <int dim>
  void
  Simulation<dim>::check_short_circuit(const unsigned int cycle)
  {
    const auto &sc = parameters.short_circuit;
    if (!sc.enabled)
      return;
    double density  = parameters.mechanics.separator.initial_relative_density;
    double pressure = 0;
    if (mechanics)
      {
        for (const auto &l : mechanics->layer_stresses())
          if (l.layer == role_name(LayerRole::separator))
            density = l.mean_relative_density;
        pressure = mechanics->stack_pressure();
      }
    const auto &li = parameters.mechanics;
    margins        = evaluate_short_circuit(
      sc,
      electrochemistry->contact_statistics(),
      density,
      parameters.protocol.temperature,
      pressure,
      dim == 1 ? parameters.electrochemistry.halide.spot_area_fraction : 1.0,
      parameters.electrochemistry.plating.molar_volume,
      li.li_creep_prefactor *
        std::exp(-li.li_creep_activation /
                 (constants::gas_constant * parameters.protocol.temperature)),
      li.li_creep_exponent);
    electrochemistry->set_soft_short(margins.soft_short_conductance);
    for (unsigned int k = 0; k < ShortCircuitMargins::n; ++k)
      cycle_smallest_margin[k] =
        std::min(cycle_smallest_margin[k], margins.margin[k]);
    const unsigned int failed = margins.failed();
    if (failed < ShortCircuitMargins::n)
      {
        shorted                      = true;
        Json record                  = Json::object();
        record["criterion"]          = ShortCircuitMargins::names[failed];
        record["time [s]"]           = time;
        record["cycle"]              = cycle;
        record["step"]               = step_number;
        record["location"]           = margins.location[failed];
        run_summary["short circuit"] = record;
        pcout << "  SHORT CIRCUIT at t = " << time << " s (cycle " << cycle
              << "): " << ShortCircuitMargins::names[failed] << ", "
              << margins.location[failed] << "\n";
      }
  }

  template <int dim>
  void
  Simulation<dim>::advance_mechanics(const double dt)
  {
    const auto films = electrochemistry->film_thickness();
    if (mechanics)
      {
        const auto start = std::chrono::steady_clock::now();
        // The coupling iteration's last pass may have taken the mechanics
        // over this very step already (the same fields).
        const bool taken = mechanics_start != nullptr;
        if (!taken)
          mechanics->step(dt,
                          electrochemistry->cathode_li_fraction(),
                          electrochemistry->carbon_filling(),
                          films_before_step,
                          films);
        mechanics_start.reset();
        electrochemistry->apply_mechanics(mechanics->coupling());
        statistics.mechanics_wall += std::chrono::duration<double>(
                                       std::chrono::steady_clock::now() - start)
                                       .count();
        ++statistics.mechanics_steps;
        if (!taken)
          count_mechanics_solve();
      }
    films_before_step = films;
  }

  template <int dim>
  void
  Simulation<dim>::report_stack()
  {
    std::vector<unsigned int> cells(n_layer_roles + 1, 0);
    std::vector<double>       volume(n_layer_roles + 1, 0.0);
    for (const auto &cell : mesh.triangulation->active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const auto role =
            static_cast<unsigned int>(role_of_material_id(cell->material_id()));
          cells[role] += 1;
          volume[role] += cell->measure();
        }
    Utilities::MPI::sum(cells, mesh.field_communicator, cells);
    Utilities::MPI::sum(volume, mesh.field_communicator, volume);

    const auto unknowns = electrochemistry->unknowns_per_layer();
    pcout << std::left << std::setw(27) << "layer" << std::setw(19)
          << "material" << std::right << std::setw(11) << "thickness"
          << std::setw(9) << "cells" << std::setw(10) << "unknowns"
          << "\n";
    Json layers = Json::array();
    for (const auto &layer : stack.layers())
      {
        const auto r = static_cast<unsigned int>(layer.role);
        pcout << std::left << std::setw(27) << role_name(layer.role)
              << std::setw(19) << layer.material << std::right << std::setw(11)
              << with_unit(layer.thickness) << std::setw(9) << cells[r]
              << std::setw(10) << unknowns[r] << "\n";
        Json entry                   = Json::object();
        entry["layer"]               = role_name(layer.role);
        entry["material"]            = layer.material;
        entry["thickness [m]"]       = layer.thickness;
        entry["y bottom [m]"]        = layer.y_bottom;
        entry["cells"]               = cells[r];
        entry["unknowns"]            = unknowns[r];
        entry["mesh volume [m^dim]"] = volume[r];
        layers.push_back(entry);
      }
    const auto dofs = electrochemistry->n_dofs();
    pcout << std::left << std::setw(46) << "total" << std::right
          << std::setw(11) << with_unit(stack.total_thickness()) << std::setw(9)
          << mesh.triangulation->n_global_active_cells() << "\n"
          << "unknowns: " << dofs.first << " phi_s + " << dofs.second
          << " phi_e\n";

    const double one_c = electrochemistry->one_c_current_density();
    const double mass  = electrochemistry->active_mass_per_area();
    pcout << "NCM loading " << mass * 1e2 << " mg/cm2, 1C = " << one_c / 10
          << " mA/cm2, temperature " << parameters.protocol.temperature
          << " K\n\n";

    auto &summary                = run_summary;
    summary["anodeless version"] = version_string;
    summary["input file"]        = parameters.input_file;
    summary["dimension"]         = dim;
    summary["MPI ranks"]         = Utilities::MPI::n_mpi_processes(world);
    summary["lateral area [m^(dim-1)]"] = lateral_area<dim>(parameters.stack);
    summary["stack"]                    = layers;
    summary["mesh cells"] =
      static_cast<unsigned int>(mesh.triangulation->n_global_active_cells());
    summary["unknowns phi_s"]            = dofs.first;
    summary["unknowns phi_e"]            = dofs.second;
    summary["NCM loading [kg/m2]"]       = mass;
    summary["1C current density [A/m2]"] = one_c;
    summary["temperature [K]"]           = parameters.protocol.temperature;
    summary["status"]                    = "running";
  }

  template <int dim>
  void
  Simulation<dim>::start_time_series()
  {
    initial_inventory     = electrochemistry->inventory().total();
    previous_voltage      = electrochemistry->voltage();
    const auto interfaces = electrochemistry->interface_summaries();
    if (writer)
      create_time_series(interfaces);
    write_time_series_row("initial");
  }

  template <int dim>
  void
  Simulation<dim>::create_time_series(
    const std::vector<InterfaceSummary> &interfaces)
  {
    std::vector<std::string> columns = {"step kind",
                                        "cycle",
                                        "step",
                                        "time [s]",
                                        "current density [A/m2]",
                                        "voltage [V]",
                                        "step capacity [mAh/g]",
                                        "cycle charge capacity [mAh/g]",
                                        "cycle discharge capacity [mAh/g]",
                                        "SOC [-]",
                                        "NCM Li fraction [-]",
                                        "carbon filling [-]"};
    for (const auto &interface : interfaces)
      columns.push_back("plated Li " + interface.name + " [um]");
    columns.push_back("plating focusing [-]");
    columns.push_back("Li inventory change [-]");
    if (parameters.short_circuit.enabled)
      {
        for (const auto *name : ShortCircuitMargins::names)
          columns.push_back(std::string("margin ") + name + " [-]");
        columns.push_back("soft short conductance [S/m2]");
      }
    if (mechanics)
      {
        columns.push_back("stack pressure [MPa]");
        columns.push_back("stack thickness change [um]");
        columns.push_back("Li film pressure [MPa]");
        for (const auto &layer : stack.layers())
          {
            columns.push_back("max mean stress " +
                              std::string(role_name(layer.role)) + " [MPa]");
            columns.push_back("max principal stress " +
                              std::string(role_name(layer.role)) + " [MPa]");
          }
      }
    time_series =
      std::make_unique<CsvWriter>(output_dir + "/time_series.csv", columns);

    std::vector<std::string> per_cycle = {"cycle",
                                          "charge capacity [mAh/g]",
                                          "discharge capacity [mAh/g]",
                                          "efficiency [%]",
                                          "retention [%]"};
    for (const auto &interface : interfaces)
      per_cycle.push_back("plated Li " + interface.name + " at cycle end [um]");
    if (mechanics)
      {
        per_cycle.push_back("stack pressure at end of charge [MPa]");
        per_cycle.push_back("stack pressure at end of discharge [MPa]");
      }
    if (parameters.short_circuit.enabled)
      for (const auto *name : ShortCircuitMargins::names)
        per_cycle.push_back(std::string("smallest margin ") + name + " [-]");
    cycle_series =
      std::make_unique<CsvWriter>(output_dir + "/cycles.csv", per_cycle);
  }

  template <int dim>
  void
  Simulation<dim>::run_protocol_step(const ProtocolStep &step,
                                     const unsigned int  cycle)
  {
    using Control      = typename CellElectrochemistry<dim>::Control;
    const auto  &ts    = parameters.protocol;
    const double one_c = electrochemistry->one_c_current_density();
    electrochemistry->set_first_charge(
      cycle == 1 && (step.kind == ProtocolStep::Kind::charge ||
                     step.kind == ProtocolStep::Kind::hold));
    const bool continued = continue_step;
    continue_step        = false;
    if (!continued)
      {
        ++step_number;
        step_tally = Tally();
      }

    Control control = Control::current;
    double  value   = 0;
    switch (step.kind)
      {
        case ProtocolStep::Kind::charge:
          value = -step.current.density(one_c);
          break;
        case ProtocolStep::Kind::discharge:
          value = step.current.density(one_c);
          break;
        case ProtocolStep::Kind::hold:
          control = Control::voltage;
          value   = step.hold_voltage;
          break;
        case ProtocolStep::Kind::rest:
          break;
      }
    const double cut_current =
      step.has_current_cutoff ? step.current_cutoff.density(one_c) : 0.0;

    // Event functions, positive while the step goes on: voltage cut-off,
    // current cut-off, Li nucleation on a bare interface.
    constexpr unsigned int n_events = 3;
    const auto             events   = [&]() {
      std::array<double, n_events> g;
      g.fill(std::numeric_limits<double>::infinity());
      const double V = electrochemistry->voltage();
      if (step.has_voltage_cutoff)
        g[0] = step.kind == ProtocolStep::Kind::charge ?
                               step.voltage_cutoff - V :
                               V - step.voltage_cutoff;
      if (step.has_current_cutoff)
        g[1] = std::abs(electrochemistry->current_density()) - cut_current;
      g[2] = electrochemistry->nucleation_margin();
      return g;
    };
    const std::array<double, n_events> tolerance = {
      {ts.voltage_cutoff_tolerance,
       ts.current_cutoff_tolerance * cut_current,
       ts.voltage_cutoff_tolerance}};

    pcout << "step " << step_number << " (cycle " << cycle << "): " << step.text
          << (continued ? " (continued)" : "") << "\n";
    if (!continued)
      {
        electrochemistry->forget_last_step();
        progress.t       = 0;
        last_step_length = 0;
        progress.dt      = ts.initial_time_step;
        progress.g_old.fill(std::numeric_limits<double>::infinity());
      }
    std::array<double, n_events> g_old    = progress.g_old;
    double                       t        = progress.t;
    double                       dt       = progress.dt;
    unsigned int                 retries  = 0;
    unsigned int                 cuts     = 0;
    bool                         finished = false;
    const unsigned int           forced_failure =
      parameters.checkpoint.forced_failure_step;
    while (!finished)
      {
        if (step.has_duration)
          dt = std::min(dt, step.duration - t);
        const bool iterated =
          mechanics && parameters.mechanics.coupling_iterations > 1;
        // A retried step starts again from the coupling of the step's start.
        MechanicalCoupling step_start, applied;
        if (iterated)
          {
            step_start = mechanics->coupling();
            applied    = predict_coupling(step_start, dt);
            electrochemistry->apply_mechanics(applied);
          }
        const auto start  = std::chrono::steady_clock::now();
        auto       result = electrochemistry->solve_step(dt, control, value);
        statistics.electrochemistry_wall +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                        start)
            .count();
        if (iterated && result.converged)
          iterate_coupling(dt, control, value, std::move(applied), result);
        if (forced_failure > 0 && time_step_number + 1 >= forced_failure)
          {
            result.converged = false;
            result.failure   = "forced by Checkpoint/Forced failure at time "
                               "step = " +
                             std::to_string(forced_failure);
          }
        statistics.newton_iterations += result.newton_iterations;
        statistics.linear_iterations += result.linear_iterations;
        statistics.electrochemistry_assembly_wall += result.assembly_time;
        statistics.electrochemistry_assembly_passes += result.assembly_passes;
        statistics.electrochemistry_linear_wall += result.linear_solve_time;
        statistics.preconditioner_set_ups += result.preconditioner_set_ups;
        if (!result.converged)
          {
            electrochemistry->reject();
            restore_mechanics();
            ++statistics.rejected_steps;
            ++cuts;
            dt *= 0.25;
            if (dt < ts.minimum_time_step)
              {
                std::ostringstream message;
                message << "the electrochemistry (Newton) did not converge in "
                        << "cycle " << cycle << ", step " << step_number
                        << " ('" << step.text << "') at t = " << time
                        << " s, after " << cuts
                        << " cuts of the time step to below the minimum of "
                        << ts.minimum_time_step << " s: " << result.failure;
                throw SolverFailure(message.str());
              }
            continue;
          }
        const auto g = events();
        // An event crossed beyond its tolerance: retry a shorter step that
        // lands on it (secant on the event function).
        double shrink = 1;
        for (unsigned int k = 0; k < n_events; ++k)
          if (g[k] < -tolerance[k])
            shrink = std::min(shrink,
                              std::isfinite(g_old[k]) && g_old[k] > 0 ?
                                g_old[k] / (g_old[k] - g[k]) :
                                0.1);
        if (shrink < 1 && dt * shrink >= ts.minimum_time_step && retries < 50)
          {
            dt *= std::max(shrink, 1e-3);
            restore_mechanics();
            ++retries;
            ++statistics.rejected_steps;
            continue;
          }
        retries = 0;
        cuts    = 0;

        // Until the step is recorded the fields are not one consistent
        // state: a failure of the mechanics or a non-finite output here
        // leaves no new checkpoint.
        committing = true;
        electrochemistry->commit();
        advance_mechanics(dt);
        if (iterated)
          {
            last_step_coupling = std::move(step_start);
            last_step_length   = dt;
          }
        t += dt;
        time += dt;
        ++time_step_number;
        check_short_circuit(cycle);
        record_time_step(step, dt);
        committing = false;

        if (g[2] <= tolerance[2])
          {
            const auto before = electrochemistry->interface_summaries();
            if (electrochemistry->open_nucleation_gates(tolerance[2]) > 0)
              {
                const auto after = electrochemistry->interface_summaries();
                Json       where = Json::array();
                for (unsigned int k = 0; k < after.size(); ++k)
                  if (after[k].nucleated_fraction >
                      before[k].nucleated_fraction)
                    where.push_back(after[k].name);
                Json event          = Json::object();
                event["kind"]       = "nucleation";
                event["time [s]"]   = time;
                event["cycle"]      = cycle;
                event["step"]       = step_number;
                event["interfaces"] = where;
                events_json.push_back(event);
                pcout << "  Li nucleates at t = " << time << " s\n";
              }
          }
        const auto &refinement = parameters.refinement;
        if (refinement.adaptive && !shorted &&
            time_step_number % refinement.interval == 0)
          adapt_mesh();

        finished = shorted ||
                   (step.has_voltage_cutoff && g[0] <= tolerance[0]) ||
                   (step.has_current_cutoff && g[1] <= tolerance[1]) ||
                   (step.has_duration && t >= step.duration * (1 - 1e-12));

        // Next step size from the voltage change.
        const double V   = electrochemistry->voltage();
        const double dV  = std::abs(V - previous_voltage);
        previous_voltage = V;
        // The factor is taken from a ladder of sixteenth octaves, so that
        // round-off in V (another partition sums in another order) does
        // not move the time grid: otherwise a run resumed on another rank
        // count samples a fast transient at times shifted by round-off.
        const double wanted =
          dV > 0 ? std::clamp(ts.voltage_change_per_step / dV, 0.5, 2.0) : 2.0;
        const double factor =
          std::exp2(std::floor(16 * std::log2(wanted)) / 16);
        dt       = std::min(dt * factor, ts.maximum_time_step);
        g_old    = events();
        g_old[2] = electrochemistry->nucleation_margin(true);

        if (parameters.output.verbosity == Verbosity::detailed ||
            (parameters.output.verbosity == Verbosity::normal &&
             (finished || time_step_number % 25 == 0)))
          {
            // Reductions: every rank evaluates them, rank 0 prints.
            double plated = 0;
            for (const auto &s : electrochemistry->interface_summaries())
              plated += s.mean_thickness;
            const double pressure = mechanics ? mechanics->stack_pressure() : 0;
            pcout << "  t = " << std::setw(9) << std::fixed
                  << std::setprecision(1) << time
                  << " s  I = " << std::setprecision(4)
                  << electrochemistry->current_density() / 10
                  << " mA/cm2  V = " << std::setprecision(4) << V
                  << " V  Q = " << std::setprecision(2)
                  << (step_tally.charge + step_tally.discharge) /
                       (3.6 * 1e3 * electrochemistry->active_mass_per_area())
                  << " mAh/g  Li " << std::setprecision(3) << plated * 1e6
                  << " um";
            if (mechanics)
              pcout << "  p " << std::setprecision(2) << pressure / 1e6
                    << " MPa";
            pcout << "  Newton " << result.newton_iterations;
            // Remaining wall time from the cycles done so far.
            const unsigned int done = current_cycle - 1;
            if (done > 0 && parameters.protocol.cycles > done)
              {
                const double wall =
                  wall_before + std::chrono::duration<double>(
                                  std::chrono::steady_clock::now() - wall_start)
                                  .count();
                const double left =
                  wall / done * (parameters.protocol.cycles - done);
                pcout << "  ETA " << std::setprecision(0)
                      << (left < 120 ? left : left / 60)
                      << (left < 120 ? " s" : " min");
              }
            pcout << "\n" << std::defaultfloat;
          }
        if (!finished)
          {
            progress.t     = t;
            progress.dt    = dt;
            progress.g_old = g_old;
            if (checkpoint_due())
              {
                write_checkpoint();
                if (stopped)
                  return;
              }
          }
      }

    Json entry               = tally_json(step_tally);
    entry["step"]            = step_number;
    entry["cycle"]           = cycle;
    entry["text"]            = step.text;
    entry["kind"]            = kind_name(step.kind);
    entry["end voltage [V]"] = electrochemistry->voltage();
    if (mechanics)
      {
        const double p                   = mechanics->stack_pressure();
        entry["end stack pressure [Pa]"] = p;
        if (step.kind == ProtocolStep::Kind::discharge)
          cycle_pressures.second = p;
        else if (step.kind != ProtocolStep::Kind::rest)
          cycle_pressures.first = p;
      }
    entry["end time [s]"] = time;
    steps_json.push_back(entry);
    cycle_tally.charge += step_tally.charge;
    cycle_tally.discharge += step_tally.discharge;
    cycle_tally.charge_energy += step_tally.charge_energy;
    cycle_tally.discharge_energy += step_tally.discharge_energy;
    cycle_tally.duration += step_tally.duration;
    write_fields();
  }

  template <int dim>
  void
  Simulation<dim>::record_time_step(const ProtocolStep &step, const double dt)
  {
    const double I = electrochemistry->current_density();
    const double V = electrochemistry->voltage();
    if (I < 0)
      {
        step_tally.charge -= I * dt;
        step_tally.charge_energy -= I * V * dt;
      }
    else
      {
        step_tally.discharge += I * dt;
        step_tally.discharge_energy += I * V * dt;
      }
    step_tally.duration += dt;

    const unsigned int interval = parameters.output.field_output_interval;
    if (interval > 0 && time_step_number % interval == 0)
      write_fields();
    write_time_series_row(kind_name(step.kind));
  }

  template <int dim>
  void
  Simulation<dim>::write_time_series_row(const std::string &kind)
  {
    const double I = electrochemistry->current_density();
    const double V = electrochemistry->voltage();
    // Observables are reductions over the mesh: every rank evaluates them.
    const LiInventory   li         = electrochemistry->inventory();
    const auto          interfaces = electrochemistry->interface_summaries();
    const double        focusing   = electrochemistry->plating_focusing();
    const double        filling    = electrochemistry->mean_carbon_filling();
    const double        x          = electrochemistry->mean_cathode_fraction();
    std::vector<double> mechanical;
    if (mechanics)
      {
        mechanical = {mechanics->stack_pressure() / 1e6,
                      mechanics->thickness_change() * 1e6,
                      mechanics->max_film_pressure() / 1e6};
        for (const auto &l : mechanics->layer_stresses())
          {
            mechanical.push_back(l.max_hydrostatic / 1e6);
            mechanical.push_back(l.max_principal / 1e6);
            if (l.layer == role_name(LayerRole::separator))
              max_separator_tension =
                std::max(max_separator_tension, l.max_principal);
          }
      }
    // A NaN or Inf that got past the solvers must not reach the results:
    // the reduced values are the same on every rank, so all stop alike.
    std::vector<double> reduced = {I, V, li.total(), focusing, filling, x};
    reduced.insert(reduced.end(), mechanical.begin(), mechanical.end());
    for (const double value : reduced)
      if (!std::isfinite(value))
        throw SolverFailure(
          "a value of the time step ending at t = " + std::to_string(time) +
          " s is not finite (NaN or Inf) in the current, "
          "voltage, Li inventory or stresses");
    if (!writer)
      return;

    const auto  &c     = parameters.electrochemistry.cathode;
    const double mass  = electrochemistry->active_mass_per_area();
    const auto   mAh_g = [&](const double q) { return q / 3.6 / (mass * 1e3); };
    // SOC: Li taken out of the NCM over the nominal capacity.
    const double soc =
      (c.initial_li_fraction - x) * c.active_volume_fraction *
      c.max_concentration * stack.layer(LayerRole::cathode).thickness *
      constants::faraday /
      (electrochemistry->one_c_current_density() * constants::hour);
    std::vector<double> row = {time,
                               I,
                               V,
                               mAh_g(step_tally.charge + step_tally.discharge),
                               mAh_g(cycle_tally.charge + step_tally.charge),
                               mAh_g(cycle_tally.discharge +
                                     step_tally.discharge),
                               soc,
                               x,
                               filling};
    for (const auto &s : interfaces)
      row.push_back(s.mean_thickness * 1e6);
    row.push_back(focusing);
    row.push_back((li.total() - initial_inventory) / initial_inventory);
    if (parameters.short_circuit.enabled)
      {
        row.insert(row.end(), margins.margin.begin(), margins.margin.end());
        row.push_back(margins.soft_short_conductance);
      }
    row.insert(row.end(), mechanical.begin(), mechanical.end());
    time_series->write_row({kind,
                            std::to_string(current_cycle),
                            std::to_string(step_number)},
                           row);
  }

  template <int dim>
  Json
  Simulation<dim>::tally_json(const Tally &tally) const
  {
    const double mass               = electrochemistry->active_mass_per_area();
    Json         j                  = Json::object();
    j["charge capacity [mAh/g]"]    = tally.charge / 3.6 / (mass * 1e3);
    j["discharge capacity [mAh/g]"] = tally.discharge / 3.6 / (mass * 1e3);
    j["charge capacity [mAh/cm2]"]  = tally.charge / 3.6 / 1e4;
    j["discharge capacity [mAh/cm2]"] = tally.discharge / 3.6 / 1e4;
    j["charge energy [Wh/kg NCM]"]    = tally.charge_energy / 3600 / mass;
    j["discharge energy [Wh/kg NCM]"] = tally.discharge_energy / 3600 / mass;
    j["duration [s]"]                 = tally.duration;
    return j;
  }

  template <int dim>
  void
  Simulation<dim>::finish_cycle(const unsigned int cycle)
  {
    const double mass  = electrochemistry->active_mass_per_area();
    Json         entry = tally_json(cycle_tally);
    entry["cycle"]     = cycle;
    entry["efficiency [%]"] =
      cycle_tally.charge > 0 ?
        100 * cycle_tally.discharge / cycle_tally.charge :
        0.0;
    cycle_discharge.push_back(cycle_tally.discharge / 3.6 / (mass * 1e3));
    // Retention relative to the first cycle of 'Cycle steps' (cycle 2 after
    // a formation cycle with its own steps).
    const bool formation =
      !parse_protocol_steps(parameters.protocol.first_cycle_steps, "")
         .empty() &&
      !parse_protocol_steps(parameters.protocol.cycle_steps, "").empty();
    const unsigned int base = formation && cycle_discharge.size() > 1 ? 1 : 0;
    const bool         entry_has_retention = !(formation && cycle == 1);
    const double       retention =
      cycle_discharge[base] > 0 ?
              100 * cycle_discharge.back() / cycle_discharge[base] :
              0.0;
    if (entry_has_retention)
      entry["retention [%]"] = retention;
    Json films = Json::array();
    for (const auto &s : electrochemistry->interface_summaries())
      {
        Json f                       = Json::object();
        f["interface"]               = s.name;
        f["mean thickness [m]"]      = s.mean_thickness;
        f["max thickness [m]"]       = s.max_thickness;
        f["nucleated area fraction"] = s.nucleated_fraction;
        films.push_back(f);
      }
    entry["plated Li at cycle end"] = films;
    // A reduction: every rank takes part, rank 0 writes.
    const auto films_now = electrochemistry->interface_summaries();
    if (cycle_series)
      {
        const double             mAh_g = 1 / 3.6 / (mass * 1e3);
        std::vector<std::string> row   = {
            std::to_string(cycle),
            CsvWriter::format(cycle_tally.charge * mAh_g),
            CsvWriter::format(cycle_tally.discharge * mAh_g),
            CsvWriter::format(cycle_tally.charge > 0 ?
                              100 * cycle_tally.discharge / cycle_tally.charge :
                              0.0),
          entry_has_retention ? CsvWriter::format(retention) : ""};
        for (const auto &s : films_now)
          row.push_back(CsvWriter::format(s.mean_thickness * 1e6));
        if (mechanics)
          {
            row.push_back(CsvWriter::format(cycle_pressures.first / 1e6));
            row.push_back(CsvWriter::format(cycle_pressures.second / 1e6));
          }
        if (parameters.short_circuit.enabled)
          for (const double m : cycle_smallest_margin)
            row.push_back(CsvWriter::format(m));
        cycle_series->write_cells(row);
      }
    if (parameters.short_circuit.enabled)
      {
        Json smallest = Json::object();
        for (unsigned int k = 0; k < ShortCircuitMargins::n; ++k)
          smallest[ShortCircuitMargins::names[k]] = cycle_smallest_margin[k];
        entry["smallest short-circuit margins"] = smallest;
        cycle_smallest_margin.fill(1.0);
      }
    if (mechanics)
      {
        entry["stack pressure at end of charge [Pa]"] = cycle_pressures.first;
        entry["stack pressure at end of discharge [Pa]"] =
          cycle_pressures.second;
        entry["largest separator principal stress so far [Pa]"] =
          max_separator_tension;
      }
    cycles_json.push_back(entry);
    pcout << "cycle " << cycle << ": charge " << std::fixed
          << std::setprecision(1) << cycle_tally.charge / 3.6 / (mass * 1e3)
          << " mAh/g, discharge " << cycle_tally.discharge / 3.6 / (mass * 1e3)
          << " mAh/g, efficiency "
          << (cycle_tally.charge > 0 ?
                100 * cycle_tally.discharge / cycle_tally.charge :
                0.0)
          << " %";
    if (entry_has_retention)
      pcout << ", retention " << retention << " %";
    pcout << "\n" << std::defaultfloat << std::setprecision(6);
    cycle_tally = Tally();
    ++current_cycle;
    write_summary();
  }

  template <int dim>
  void
  Simulation<dim>::write_fields()
  {
    if (parameters.output.field_output_interval == 0)
      return;
    const std::string record =
      electrochemistry->write_fields(output_dir, field_index, time);
    const std::string stress_record =
      mechanics ?
        mechanics->write_fields(output_dir, "mechanics", field_index) :
        "";
    ++field_index;
    if (writer)
      {
        field_record.add(time, record);
        field_record.write(output_dir + "/fields.pvd");
        if (mechanics)
          {
            mechanics_record.add(time, stress_record);
            mechanics_record.write(output_dir + "/mechanics.pvd");
          }
      }
  }

  template <int dim>
  void
  Simulation<dim>::write_summary() const
  {
    // Every rank takes part in the reductions; rank 0 writes.
    const LiInventory li = electrochemistry->inventory();
    if (!writer)
      return;
    Json summary                     = run_summary;
    summary["steps"]                 = steps_json;
    summary["cycles"]                = cycles_json;
    summary["events"]                = events_json;
    Json         budget              = Json::object();
    const double area                = electrochemistry->area();
    budget["cathode [mol/m2]"]       = li.cathode / area;
    budget["carbon layer [mol/m2]"]  = li.carbon / area;
    budget["plated films [mol/m2]"]  = li.films / area;
    budget["double layers [mol/m2]"] = li.double_layer / area;
    budget["of the carbon layer's, trapped for good [mol/m2]"] =
      li.carbon_trapped / area;
    budget["dead Li [mol/m2]"] = li.dead / area;
    budget["SEI [mol/m2]"]     = li.sei / area;
    budget["set free by electrolyte oxidation [mol/m2]"] =
      li.from_electrolyte / area;
    budget["total [mol/m2]"]         = li.total() / area;
    budget["initial total [mol/m2]"] = initial_inventory / area;
    budget["relative change"] =
      (li.total() - initial_inventory) / initial_inventory;
    summary["Li inventory"]       = budget;
    summary["simulated time [s]"] = time;
    write_file_atomically(output_dir + "/summary.json", summary.dump());
  }

  int
  run_simulation(const RunParameters &parameters, MPI_Comm world)
  {
    switch (parameters.dimension)
      {
        case 1:
          return Simulation<1>(parameters, world).run();
        case 2:
          return Simulation<2>(parameters, world).run();
        case 3:
          return Simulation<3>(parameters, world).run();
        default:
          throw std::logic_error("dimension must be 1, 2 or 3");
      }
  }

  template class Simulation<1>;
  template class Simulation<2>;
  template class Simulation<3>;
} // namespace anodeless
