#include <deal.II/base/parameter_handler.h>

#include <anodeless/core/errors.h>
#include <anodeless/mechanics/mechanics_parameters.h>

#include <cmath>
#include <sstream>

namespace anodeless
{
  using namespace dealii;

  namespace
  {
    void
    declare_compaction(ParameterHandler     &prm,
                       const std::string    &name,
                       CompactionParameters &c,
                       const std::string    &what)
    {
      prm.enter_subsection(name);
      prm.add_parameter("Heckel K",
                        c.heckel_k,
                        "K in the Heckel law ln(1/(1-D)) = K p + A of the " +
                          what +
                          ", 1/Pa (2.5e-3 1/MPa). [A] placeholder; "
                          "calibrate against pressed density "
                          "(Lee, doi:10.1039/D4TA08604J, for argyrodites).",
                        Patterns::Double(0, 1e-3));
      prm.add_parameter("Heckel A",
                        c.heckel_a,
                        "A in the Heckel law. [A] 0.87.",
                        Patterns::Double(0, 10));
      prm.add_parameter("Initial relative density",
                        c.initial_relative_density,
                        "Relative density D of the " + what +
                          " as assembled, before the press. [V] about 0.83 "
                          "for cold-pressed Li6PS5Cl (Nat. Energy 2025, "
                          "doi:10.1038/s41560-025-01847-0); [A] for the "
                          "composites.",
                        Patterns::Double(0.05, 1.0));
      prm.leave_subsection();
    }
  } // namespace

  void
  MechanicsParameters::declare(ParameterHandler &prm)
  {
    prm.enter_subsection("Mechanics");
    prm.add_parameter("Enabled",
                      enabled,
                      "Solve the mechanics (press stage, stresses during "
                      "cycling, pressure coupling). false: electrochemistry "
                      "only.",
                      Patterns::Bool());

    prm.enter_subsection("Press");
    prm.add_parameter("Enabled",
                      press_enabled,
                      "Start every run with the fabrication press.",
                      Patterns::Bool());
    prm.add_parameter("Pressure",
                      press_pressure,
                      "Isostatic pressure of the fabrication press, Pa. [P] "
                      "500 MPa, patent [0136].",
                      Patterns::Double(0, 1e10));
    prm.add_parameter("Duration",
                      press_duration,
                      "Time at full pressure, s. [P] 30 min, patent [0136].",
                      Patterns::Double(0, 1e7));
    prm.add_parameter("Ramp time",
                      press_ramp_time,
                      "Time to load and to unload, s. [A] 60 s (not given in "
                      "the patent; the compaction laws are rate-independent).",
                      Patterns::Double(1e-3, 1e6));
    prm.add_parameter(
      "Layers",
      press_layers,
      "sliding: the layers, laminated in a vacuum pouch but not yet bonded, "
      "each see the hydrostatic fluid pressure, compact by the Heckel law "
      "and unload without residual stress; the pressed stack is the "
      "stress-free reference of the bonded cell. bonded: the stack is "
      "pressed as one body on the mesh (lateral mismatch stresses; with "
      "isotropic compaction strains they are upper bounds). [A] sliding.",
      Patterns::Selection("sliding|bonded"));
    prm.add_parameter("Load steps",
                      press_steps,
                      "Load increments per ramp (bonded layers). An increment "
                      "whose Newton iteration fails is split in halves, down "
                      "to 1/64 of it.",
                      Patterns::Integer(1, 10000));
    prm.leave_subsection();

    prm.enter_subsection("Compaction");
    declare_compaction(prm, "Separator", separator, "separator");
    declare_compaction(prm, "Cathode", cathode, "cathode composite");
    declare_compaction(prm, "Carbon layer", carbon, "carbon layer");
    prm.add_parameter("Percolation density",
                      percolation_density,
                      "D_c in kappa(D) = kappa_ref ((D - D_c)/(D_ref - "
                      "D_c))^t for the electrolyte of the separator and the "
                      "cathode, with D_ref the initial density at which "
                      "kappa_ref is measured. [A] 0.5.",
                      Patterns::Double(0, 0.99));
    prm.add_parameter("Percolation exponent",
                      percolation_exponent,
                      "t in kappa(D) above. [A] 2 (percolation in 3D).",
                      Patterns::Double(0, 10));
    prm.add_parameter("Carbon pressure exponent",
                      carbon_pressure_exponent,
                      "Electronic conductivity of the carbon layer scales as "
                      "(p_max / p_ref)^m with the largest mean pressure it "
                      "has seen. [V] m = 0.5, carbon black under "
                      "compression (doi:10.1246/bcsj.39.829).",
                      Patterns::Double(0, 5));
    prm.add_parameter("Carbon reference pressure",
                      carbon_reference_pressure,
                      "p_ref above, Pa: the pressure at which the carbon "
                      "layer's material conductivity holds. [A] 500 MPa.",
                      Patterns::Double(1, 1e10));
    prm.add_parameter("Contact density exponent",
                      contact_density_exponent,
                      "NCM|electrolyte contact fraction scales as ((D - "
                      "D_c)/(D_ref - D_c))^m with the cathode's relative "
                      "density, capped at 1. [A] m = 1.",
                      Patterns::Double(0, 10));
    prm.add_parameter("Contact loss strain",
                      contact_loss_strain,
                      "Where the cathode composite opens (its particles "
                      "separate because it carries no mean tension, e.g. as "
                      "the NCM shrinks), its NCM|electrolyte contact "
                      "fraction falls by exp(-opening / this). [A] 0.01 "
                      "(contact loss by NCM shrinkage: Koerver 2017; Shi "
                      "2020 doi:10.1039/D0TA06985J).",
                      Patterns::Double(1e-6, 10));
    prm.leave_subsection();

    prm.add_parameter("Hardening fraction",
                      hardening_fraction,
                      "Linear hardening modulus of the metals (J2 "
                      "plasticity) as a fraction of their Young's modulus. "
                      "[A] 0.01.",
                      Patterns::Double(0, 1));

    prm.enter_subsection("Fixture");
    prm.add_parameter("Type",
                      fixture,
                      "How the stack is held while cycling: spring (plate "
                      "on a spring with preload: t = -(p0 + k du)), constant "
                      "pressure (p0), or fixed gap (the plate does not "
                      "move after the preload).",
                      Patterns::Selection(
                        "spring|constant pressure|fixed gap"));
    prm.add_parameter("Stack pressure",
                      stack_pressure,
                      "Preload p0 of the fixture, Pa. [A] 5 MPa (not in the "
                      "patent; 5 MPa allows long symmetric cycling, Doux 2020 "
                      "doi:10.1002/aenm.201903253).",
                      Patterns::Double(0, 1e10));
    prm.add_parameter("Stiffness",
                      fixture_stiffness,
                      "Spring stiffness per area k, Pa/m. [A] 1e11 Pa/m "
                      "(0.1 MPa per um of stack growth).",
                      Patterns::Double(0, 1e20));
    prm.add_parameter("Lateral constraint",
                      lateral_constraint,
                      "While cycling: free (the stack's lateral faces move "
                      "together, force-free: a bonded stack in a window of a "
                      "large cell) or confined (no lateral strain). The press "
                      "is isostatic: its lateral faces carry the press "
                      "pressure.",
                      Patterns::Selection("free|confined"));
    prm.leave_subsection();

    prm.enter_subsection("Chemical expansion");
    prm.add_parameter(
      "NCM volume change",
      ncm_volume_change,
      "Relative volume change of NCM811 against its Li fraction x, as "
      "'x:dV/V' pairs with x increasing (linear between them, constant "
      "outside), relative to the pristine state. [V] -5.1 % between 3.0 and "
      "4.3 V, mostly for x < 0.5, Kondrakov 2017 doi:10.1021/acs.jpcc.6b12885.",
      Patterns::Anything());
    prm.add_parameter("Carbon volume change",
                      carbon_volume_change,
                      "Relative volume change of the carbon layer when full "
                      "(linear in the filling). [A] 1 % (small; the layer is "
                      "porous).",
                      Patterns::Double(-0.5, 0.5));
    prm.leave_subsection();

    prm.enter_subsection("Li metal");
    prm.add_parameter("Creep prefactor",
                      li_creep_prefactor,
                      "A in the power-law creep rate A sigma^n exp(-Q/RT) of "
                      "Li, Pa^-n/s (6.6e3 MPa^-6.6/s). [D]/[A] calibrated "
                      "example, with n and Q from LePage 2019 "
                      "(doi:10.1149/2.0221902jes) / Masias 2019 [R].",
                      Patterns::Double(0, 1));
    prm.add_parameter("Creep exponent",
                      li_creep_exponent,
                      "n in the creep law. [R] 6.6, LePage 2019 / Masias 2019.",
                      Patterns::Double(1, 20));
    prm.add_parameter("Creep activation energy",
                      li_creep_activation,
                      "Q in the creep law, J/mol. [R] 37 kJ/mol, LePage 2019.",
                      Patterns::Double(0, 5e5));
    prm.add_parameter("Li+ molar volume in the electrolyte",
                      li_ion_molar_volume,
                      "Partial molar volume of Li+ in the solid electrolyte, "
                      "m^3/mol, in the plating overpotential (Omega_Li p_Li - "
                      "Omega_Li+ p_SE)/F. [A] 0.",
                      Patterns::Double(0, 1e-3));
    prm.leave_subsection();

    prm.add_parameter(
      "Linear solver",
      linear_solver,
      "Solver of the displacement's linear systems. direct: Amesos KLU; in "
      "2D and 3D its factorization then preconditions CG (to 1e-13 of the "
      "right-hand side) for the next solves while that takes at most 8 "
      "iterations (2D Example, first cycle: 3 factorizations for 822 "
      "solves). "
      "iterative: CG with geometric multigrid on the mesh's refinement "
      "levels (Galerkin coarse operators, the layer mesh solved directly "
      "below 20000 unknowns and by the algebraic multigrid above, the "
      "Multigrid cycle, two sweeps of the Multigrid smoother) where the mesh is the layer mesh "
      "refined uniformly and no plated Li film is on it; elsewhere "
      "(adapted meshes, no refinement, plated films) CG with "
      "smoothed-aggregation algebraic multigrid and the rigid-body modes. "
      "auto: direct below 20000 unknowns, iterative above. algebraic: CG "
      "with the algebraic multigrid on every mesh. hypre: CG with hypre's "
      "BoomerAMG on a copy of the matrix, without the rigid-body modes. The "
      "last two are kept to compare (doc/performance.md). [N]",
      Patterns::Selection("auto|direct|iterative|algebraic|hypre"));
    prm.add_parameter(
      "Multigrid smoother",
      multigrid_smoother,
      "Smoother of the geometric multigrid ('iterative'). points: symmetric "
      "Gauss-Seidel, one unknown at a time. lines: in 2D, symmetric block "
      "Gauss-Seidel whose blocks are the lateral lines of unknowns at one "
      "height, each solved exactly (3D keeps points). The layer mesh's "
      "cells are up to 5 times as tall as wide (Stack/Maximum cell height), "
      "which point relaxation smooths poorly: 2D Example, 28k unknowns, 10 "
      "against 21 CG iterations to mount the stack. With lines the "
      "multigrid also solves while a plated film is on the mesh; with "
      "points the algebraic multigrid takes those solves (82k unknowns, "
      "first cycle: 1773 against 4271 CG iterations, doc/performance.md). "
      "[N]",
      Patterns::Selection("points|lines"));
    prm.add_parameter(
      "Multigrid cycle",
      multigrid_cycle,
      "Cycle of the geometric multigrid ('iterative'). W: two coarse "
      "corrections per level. V: one, half the work on the coarse levels. "
      "auto: V with the line smoother (2D), W with points (3D). Line "
      "relaxation leaves little for a second coarse correction to do: 2D "
      "stack at 710k unknowns, 6 CG iterations (V) against 5 (W) on every "
      "mesh from 11k, the linear solve 2.9 against 3.8 s. With points in "
      "3D, 7, 8, 9 (V) against 7, 8, 8 (W) from 6.5k to 299k unknowns at "
      "about the same time (doc/performance.md). [N]",
      Patterns::Selection("auto|V|W"));
    prm.add_parameter(
      "Coupling iterations",
      coupling_iterations,
      "Passes of the electrochemistry-mechanics stagger per time step. 1: "
      "the electrochemistry of a step sees the film pressures, densities "
      "and contact of the mechanics at the start of the step (one pass; "
      "its lag is first order in the step: 4.4 mV of voltage at 40 s steps "
      "of a 1C charge where the cathode loses contact). More: where the "
      "coupling fields of the step's end differ from those used by more "
      "than the Coupling tolerance, the step's electrochemistry is solved "
      "again with them, until they settle or the passes run out. Settled "
      "steps cost no extra mechanics solve. [N]",
      Patterns::Integer(1, 50));
    prm.add_parameter(
      "Coupling tolerance",
      coupling_tolerance,
      "Largest change of the coupling fields between two passes that ends "
      "them: film pressures relative to the larger of the pressure and 1 "
      "MPa, conductivity and contact factors absolute. 1D Example, first "
      "three cycles, discharge capacities against the settled coupling: "
      "6e-7 at 1e-5 with the Coupling prediction (549 second passes in 1521 "
      "steps), 5e-5 at 1e-4 with it (468), 7e-6 at 1e-4 without it (520); "
      "one pass leaves 1.7e-4 in the first cycle. [N]",
      Patterns::Double(1e-14, 1));
    prm.add_parameter(
      "Coupling prediction",
      coupling_prediction,
      "With Coupling iterations > 1: the first pass of a time step uses the "
      "coupling fields extrapolated linearly along the last step's change "
      "(scaled to the step's length) instead of those of the step's start, "
      "so that most steps settle at the first check. The settled result is "
      "the same within the Coupling tolerance. Patent Example, 1D, 51 "
      "cycles: 4918 second passes and 23 s at the Coupling tolerance 1e-5, "
      "against 15250 and 34 s at 1e-4 without the prediction. "
      "[N]",
      Patterns::Bool());
    prm.leave_subsection();
  }

  std::vector<std::pair<double, double>>
  MechanicsParameters::ncm_volume_table() const
  {
    std::vector<std::pair<double, double>> table;
    std::stringstream                      list(ncm_volume_change);
    std::string                            item;
    const std::string path = "Mechanics/Chemical expansion/NCM volume change";
    while (std::getline(list, item, ','))
      {
        if (item.find_first_not_of(" \t") == std::string::npos)
          continue;
        const auto colon = item.find(':');
        double     x = 0, v = 0;
        try
          {
            if (colon == std::string::npos)
              throw std::invalid_argument(item);
            std::size_t used_x = 0, used_v = 0;
            x = std::stod(item.substr(0, colon), &used_x);
            v = std::stod(item.substr(colon + 1), &used_v);
            if (item.substr(colon + 1).find_first_not_of(" \t", used_v) !=
                std::string::npos)
              throw std::invalid_argument(item);
          }
        catch (const std::exception &)
          {
            throw InputError(path,
                             "'" + item +
                               "' is not an 'x:dV/V' pair of numbers, e.g. "
                               "'0.2:-0.051, 0.6:0, 1.0:0'.");
          }
        if (!std::isfinite(x) || !std::isfinite(v) || x < 0 || x > 1 ||
            v <= -1 || v > 1 || (!table.empty() && !(x > table.back().first)))
          throw InputError(path,
                           "'" + item +
                             "': Li fractions must lie in [0, 1] and "
                             "increase, volume changes in (-1, 1].");
        table.emplace_back(x, v);
      }
    if (table.empty())
      throw InputError(path, "give at least one 'x:dV/V' pair.");
    return table;
  }

  void
  MechanicsParameters::check() const
  {
    ncm_volume_table();
    for (const auto *c : {&separator, &cathode, &carbon})
      if (c->initial_relative_density <= percolation_density)
        throw InputError(
          "Mechanics/Compaction/Percolation density",
          "the percolation density must lie below every initial relative "
          "density (the electrolyte would not conduct as assembled).");
  }
} // namespace anodeless
