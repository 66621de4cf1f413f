#include <deal.II/base/parameter_handler.h>

#include <anodeless/core/errors.h>
#include <anodeless/electrochemistry/electrochemistry_parameters.h>
#include <anodeless/materials/monotone_table.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace anodeless
{
  using namespace dealii;

  void
  CathodeParameters::declare(ParameterHandler &prm)
  {
    prm.enter_subsection("Cathode");
    prm.add_parameter(
      "Active material volume fraction",
      active_volume_fraction,
      "Volume fraction of NCM811 in the cathode. [D] 0.668 of the solid "
      "volume from the patent's weight ratio 84:15:0.2:1.2 (densities NCM "
      "4.75, Li6PS5Cl 1.865, CNF 2.0, PTFE 2.2 g/cm3) times 0.9 for 10 % "
      "porosity [A].",
      Patterns::Double(0.01, 0.99));
    prm.add_parameter(
      "Electrolyte volume fraction",
      electrolyte_volume_fraction,
      "Volume fraction of Li6PS5Cl in the cathode. [D] 0.307 of the solid "
      "volume (patent weight ratio) times 0.9 for 10 % porosity [A].",
      Patterns::Double(0.01, 0.99));
    prm.add_parameter("Bruggeman exponent",
                      bruggeman_exponent,
                      "Exponent b of the effective conductivities sigma "
                      "eps^b (electronic, active-material network) and kappa "
                      "eps^b (ionic, electrolyte phase). [A] 1.5, the "
                      "Bruggeman value for spheres.",
                      Patterns::Double(1.0, 5.0));
    prm.add_parameter("Particle radius",
                      particle_radius,
                      "NCM811 particle radius in m. [V] 3.8 um, Zhuo 2023 "
                      "(doi:10.1016/j.jpowsour.2022.232461); the patent does "
                      "not give it [A].",
                      Patterns::Double(1e-8, 1e-4));
    prm.add_parameter("Particle shells",
                      shells,
                      "Finite-volume shells of the radial diffusion problem "
                      "in each particle.",
                      Patterns::Integer(2, 200));
    prm.add_parameter("Maximum concentration",
                      max_concentration,
                      "Li concentration of fully lithiated NCM811, mol/m3. "
                      "[D] lattice: density 4.75 g/cm3 / 97.48 g/mol "
                      "(LiNi0.8Co0.15Mn0.05O2).",
                      Patterns::Double(1e3, 1e6));
    prm.add_parameter("Initial Li fraction",
                      initial_li_fraction,
                      "Li fraction x of the pristine NCM. [A] pristine NCM is "
                      "fully lithiated; 0.995 keeps the exchange current "
                      "finite (0.5 % = 1.4 mAh/g).",
                      Patterns::Double(0.01, 0.99999));
    prm.add_parameter(
      "First charge side reaction share",
      first_charge_side_share,
      "On the first charge only, an oxidation of the electrolyte at the "
      "NCM surface (the cathode electrolyte interphase) carries this share "
      "of the delithiation current on top of it; the Li+ it sets free goes "
      "to the anode like the NCM's, so the first charge capacity grows and "
      "the NCM keeps the sites it cannot refill. [A] 0; sulfide "
      "electrolytes oxidize above about 2.5 V vs Li (Zhu, Mo 2015, "
      "doi:10.1021/acsami.5b07517); calibrated against the first charge "
      "(scripts/calibrate; the fitted value is in the shipped inputs).",
      Patterns::Double(0, 1));
    prm.add_parameter("Diffusivity model",
                      diffusivity_model,
                      "Li diffusivity in NCM811: ORegan2022 (x-dependent fit, "
                      "3-20e-15 m2/s at 25 C [V] O'Regan 2022, Electrochim. "
                      "Acta 425, 140700) or constant ('Diffusivity').",
                      Patterns::Selection("ORegan2022|constant"));
    prm.add_parameter("Diffusivity",
                      diffusivity,
                      "Constant Li diffusivity at 25 C, m2/s, used with "
                      "'Diffusivity model = constant'. [V] 4e-15, Chen 2020 "
                      "(doi:10.1149/1945-7111/ab9050).",
                      Patterns::Double(1e-20, 1e-8));
    prm.add_parameter("Diffusivity activation energy",
                      diffusivity_activation_energy,
                      "Arrhenius activation energy of the diffusivity, J/mol. "
                      "[V] 12.05 kJ/mol, O'Regan 2022.",
                      Patterns::Double(0, 2e5));
    prm.add_parameter(
      "Exchange current density",
      exchange_current_density,
      "Exchange current density of NCM|Li6PS5Cl at x = 0.5 and 25 C, A/m2 of "
      "particle surface; j0 = 2 j0_ref x^alpha_c (1-x)^alpha_a. [A] 0.1-5 "
      "A/m2 (liquid-electrolyte reference 2.5-3.4 A/m2, Chen 2020 / O'Regan "
      "2022); calibrate.",
      Patterns::Double(1e-8, 1e4));
    prm.add_parameter("Kinetics activation energy",
                      kinetics_activation_energy,
                      "Arrhenius activation energy of the exchange current, "
                      "J/mol. [V] 17.8 kJ/mol, Chen 2020.",
                      Patterns::Double(0, 2e5));
    prm.add_parameter("Transfer coefficient",
                      transfer_coefficient,
                      "Anodic transfer coefficient alpha_a (alpha_c = 1 - "
                      "alpha_a). [A] 0.5.",
                      Patterns::Double(0.05, 0.95));
    prm.add_parameter("Contact fraction",
                      contact_fraction,
                      "Fraction of the NCM surface in contact with the "
                      "electrolyte; a = 3 eps f / R. [A] 0.6, solid-solid "
                      "contact is incomplete; calibrate.",
                      Patterns::Double(1e-3, 1.0));
    prm.add_parameter("Reference specific capacity",
                      reference_specific_capacity,
                      "Capacity per NCM mass that defines 1C, C/kg (203 "
                      "mAh/g = 7.308e5 C/kg). [P] about 203 mAh/g, patent "
                      "[0134].",
                      Patterns::Double(1e3, 1e7));
    prm.add_parameter("Active material density",
                      active_material_density,
                      "NCM811 density, kg/m3, for the NCM mass (mAh/g). [R] "
                      "crystallographic density 4.75 g/cm3.",
                      Patterns::Double(100, 2e4));
    prm.add_parameter("Open-circuit potential file",
                      ocp_file,
                      "CSV file 'x,U' with the NCM open-circuit potential "
                      "(V vs Li) against Li fraction. Empty: the built-in "
                      "measured NMC811 table [V] Zhuo 2023 (881 points, "
                      "data/nmc811_ocp_zhuo2023.csv).",
                      Patterns::Anything());
    prm.leave_subsection();
  }

  void
  CarbonParameters::declare(ParameterHandler &prm)
  {
    prm.enter_subsection("Carbon layer");
    prm.add_parameter("Porosity",
                      porosity,
                      "Pore volume fraction of the carbon layer. [A] 0.4 "
                      "(30-50 % for a cast carbon black layer).",
                      Patterns::Double(0.0, 0.95));
    prm.add_parameter("Carbon mass fraction",
                      carbon_mass_fraction,
                      "Carbon share of the solids. [P] carbon black : PVDF = "
                      "6 : 0.56 g = 91.5 : 8.5 wt, patent [0131].",
                      Patterns::Double(0.01, 1.0));
    prm.add_parameter("Specific capacity",
                      specific_capacity,
                      "Reversible Li storage per carbon mass, C/kg (200 "
                      "mAh/g = 7.2e5 C/kg). [A] 100-300 mAh/g for carbon "
                      "black; calibrate.",
                      Patterns::Double(0, 1e7));
    prm.add_parameter("Specific surface area",
                      specific_surface_area,
                      "BET surface area of the carbon black, m2/kg. [P] 51 "
                      "m2/g, patent [0131].",
                      Patterns::Double(1, 1e7));
    prm.add_parameter("Active area fraction",
                      active_area_fraction,
                      "Share of the BET area that reacts with Li+. [A] 0.1; "
                      "calibrate.",
                      Patterns::Double(1e-6, 1.0));
    prm.add_parameter("Exchange current density",
                      exchange_current_density,
                      "Exchange current density of carbon lithiation at 25 "
                      "C, A/m2 of active area. [A] 0.1; calibrate.",
                      Patterns::Double(1e-10, 1e4));
    prm.add_parameter("Kinetics activation energy",
                      kinetics_activation_energy,
                      "Arrhenius activation energy of that exchange current, "
                      "J/mol. [A] 30 kJ/mol.",
                      Patterns::Double(0, 2e5));
    prm.add_parameter("OCP amplitude",
                      ocp_amplitude,
                      "U0 in U(theta) = U0 (1-theta)^p + (RT/F) ln((1-theta)/"
                      "theta), V vs Li: with p, sets the sloping curve from "
                      "about 1 V (empty) to 0 V (near full). [A] 0.8 V.",
                      Patterns::Double(0, 5));
    prm.add_parameter("OCP exponent",
                      ocp_exponent,
                      "p in U(theta) above. [A] 2.",
                      Patterns::Double(0.1, 10));
    prm.add_parameter("Initial filling",
                      initial_filling,
                      "Li filling theta of the pristine carbon. [A] 1e-4 "
                      "(about 1 V vs Li).",
                      Patterns::Double(1e-10, 0.5));
    prm.add_parameter("First lithiation trapped fraction",
                      trapped_fraction,
                      "Share of the Li that enters carbon sites never filled "
                      "before and stays there for good (first-lithiation "
                      "loss). [A] 0.1; carbon blacks lose 30-60 % of their "
                      "first uptake, but only part of the layer's capacity "
                      "is used; calibrated against the first-cycle "
                      "efficiency (scripts/calibrate).",
                      Patterns::Double(0, 0.99));
    prm.add_parameter("Ionic conductivity empty",
                      ionic_conductivity_empty,
                      "Effective Li+ conductivity of the carbon layer at "
                      "theta = 0 and 25 C, S/m; linear in theta up to 'Ionic "
                      "conductivity full'. [A] 1e-4 S/m; bottom plating needs "
                      "more than about 8e-4 S/m at 0.1C ([D] the ionic drop "
                      "across the lithiated carbon must stay below the "
                      "nucleation advantage of the bottom interface; "
                      "doc/model.md).",
                      Patterns::Double(1e-12, 1e3));
    prm.add_parameter("Ionic conductivity full",
                      ionic_conductivity_full,
                      "Effective Li+ conductivity at theta = 1 and 25 C, "
                      "S/m. [A] 1e-2 S/m.",
                      Patterns::Double(1e-12, 1e3));
    prm.add_parameter("Ionic activation energy",
                      ionic_activation_energy,
                      "Arrhenius activation energy of the carbon layer's "
                      "ionic conductivity, J/mol. [A] as Li6PS5Cl, 0.35 eV.",
                      Patterns::Double(0, 2e5));
    prm.add_parameter("Bruggeman exponent",
                      bruggeman_exponent,
                      "Electronic conductivity of the layer = material value "
                      "times (1 - porosity)^b. [A] 1.5.",
                      Patterns::Double(1.0, 5.0));
    prm.leave_subsection();
  }

  void
  HalideParameters::declare(ParameterHandler &prm)
  {
    prm.enter_subsection("Halide layer");
    prm.add_parameter(
      "Conducting spot area fraction",
      spot_area_fraction,
      "Area fraction f_e of the halide layer that conducts electrons "
      "(pinholes, defects). 1D: effective conductivity f_e sigma_spot; 2D/3D: "
      "explicit spots. [A] the key unknown of the model (MODEL.md section 5); "
      "vary it.",
      Patterns::Double(0, 1));
    prm.add_parameter("Spot conductivity",
                      spot_conductivity,
                      "Electronic conductivity inside a conducting spot, "
                      "S/m. [A] 1e5 S/m (metal-filled defect).",
                      Patterns::Double(0, 1e9));
    prm.add_parameter("Spot size",
                      spot_size,
                      "Lateral size (diameter) of a conducting spot in 2D/3D, "
                      "m; spots are whole mesh cells of the halide layer. [A] "
                      "1 um.",
                      Patterns::Double(1e-9, 1e-2));
    prm.add_parameter("Spot seed",
                      spot_seed,
                      "Seed of the random placement of spots (2D/3D).",
                      Patterns::Integer(0));
    prm.add_parameter("Spot positions",
                      spot_positions,
                      "Explicit spot centres in m, lateral coordinates, "
                      "'x1; x2' in 2D or 'x1,y1; x2,y2' in 3D. Empty: random "
                      "placement with the area fraction and seed.",
                      Patterns::Anything());
    prm.leave_subsection();
  }

  void
  PlatingParameters::declare(ParameterHandler &prm)
  {
    prm.enter_subsection("Plating");
    prm.add_parameter("Exchange current density",
                      exchange_current_density,
                      "Exchange current density of Li plating/stripping at "
                      "Li|Li6PS5Cl, A/m2. [A] 1-13 mA/cm2; 13 mA/cm2 as in "
                      "the ecmLab/continuum inputs [V].",
                      Patterns::Double(1e-6, 1e5));
    prm.add_parameter("Transfer coefficient",
                      transfer_coefficient,
                      "Anodic transfer coefficient of plating. [A] 0.5.",
                      Patterns::Double(0.05, 0.95));
    prm.add_parameter("Li molar volume",
                      molar_volume,
                      "Molar volume of Li metal, m3/mol. [D] 13.0 cm3/mol "
                      "(6.94 g/mol / 0.534 g/cm3): 4.85 um per mAh/cm2.",
                      Patterns::Double(1e-7, 1e-3));
    prm.add_parameter("Double layer capacitance",
                      double_layer_capacitance,
                      "Capacitance of an anode interface, F/m2; carries the "
                      "current on a bare interface until Li nucleates. [A] "
                      "10 uF/cm2, typical double layer.",
                      Patterns::Double(1e-6, 1e3));
    prm.add_parameter("Bare rest potential",
                      bare_rest_potential,
                      "Initial phi_s - phi_e (V vs Li) of a bare anode "
                      "interface with no carbon to set it. [A] 2.0 V.",
                      Patterns::Double(-1, 5));
    prm.add_parameter("Nucleation overpotential on collector",
                      nucleation_on_collector,
                      "Li nucleates on a current collector (SUS304, Cu) once "
                      "phi_s - phi_e < -this, V. [A] 30 mV, tens of mV on "
                      "bare metals; calibrate.",
                      Patterns::Double(0, 1));
    prm.add_parameter("Nucleation overpotential on halide",
                      nucleation_on_halide,
                      "Same on the halide layer (LiF, LiCl), V. [A] 10 mV; "
                      "must beat the carbon's value by more than the ionic "
                      "drop across the lithiated carbon for bottom plating.",
                      Patterns::Double(0, 1));
    prm.add_parameter("Nucleation overpotential on lithiophilic",
                      nucleation_on_lithiophilic,
                      "Same on the lithiophilic layer (Ag), V. [A] 0: Li "
                      "alloys with Ag without a nucleation barrier.",
                      Patterns::Double(0, 1));
    prm.add_parameter("Nucleation overpotential on carbon",
                      nucleation_on_carbon,
                      "Same on lithiated carbon facing the separator, V. [A] "
                      "30 mV.",
                      Patterns::Double(0, 1));
    prm.add_parameter(
      "Nucleation window",
      nucleation_window,
      "When Li nucleates somewhere, every bare point whose phi_s - phi_e "
      "is within this many V above its -eta_nuc nucleates with it, V. "
      "Points that reach the threshold within a "
      "fraction of a mV of each other are not told apart: without the "
      "window, 0.02 mV of spread over an adapted mesh (2D Example, 1C) "
      "split the first nucleation into 6 to 40 events and moved the "
      "capacity by 7.5e-4 to 1.4e-3 (doc/performance.md, benchmark e). [N] numerical; "
      "0.1 mV, 1 % of the halide's nucleation overpotential.",
      Patterns::Double(0, 0.01));
    const auto dead = [&](const std::string &where,
                          double            &value,
                          const std::string &source) {
      prm.add_parameter("Dead Li fraction on " + where,
                        value,
                        "Share of the Li stripped from a film on the " + where +
                          " that is left electronically isolated (dead Li). " +
                          source,
                        Patterns::Double(0, 0.9));
    };
    dead("collector", dead_on_collector, "[A] 0.02.");
    dead("halide",
         dead_on_halide,
         "[A] 0.005; calibrated against the Example (scripts/calibrate; the "
         "fitted value is in the shipped inputs).");
    dead("lithiophilic", dead_on_lithiophilic, "[A] 0.005.");
    dead("carbon",
         dead_on_carbon,
         "[A] 0.01; calibrated against Comparative Example 1, where Li "
         "plates on the carbon at the separator (scripts/calibrate; the "
         "fitted value is in the shipped inputs).");
    prm.add_parameter(
      "SEI rate constant",
      sei_rate_constant,
      "k_q of the parabolic SEI growth q = k_q sqrt(t) on Li touching "
      "Li6PS5Cl, at 25 C, in C m^-2 s^-1/2 (3.0 uAh cm^-2 h^-1/2 = 1.8). "
      "Differential form dq/dt = k_q^2/(2q), so new contact area starts "
      "fresh. [V] data of Aktekin 2023 doi:10.1038/s41467-023-42512-y "
      "(SUS|LPSCl|Li), 3.0 at 25 C; [D] k.",
      Patterns::Double(0, 1e3));
    prm.add_parameter(
      "SEI activation energy",
      sei_activation_energy,
      "Arrhenius activation energy of k_q^2, J/mol. [D] 62 kJ/mol from "
      "Aktekin 2023's 3.0 (25 C) and 5.5 (40 C) uAh cm^-2 h^-1/2.",
      Patterns::Double(0, 5e5));
    prm.leave_subsection();
  }

  void
  SolverParameters::declare(ParameterHandler &prm)
  {
    prm.enter_subsection("Solver");
    prm.add_parameter("Maximum Newton iterations",
                      max_newton_iterations,
                      "Newton iterations per time step before the step is "
                      "cut.",
                      Patterns::Integer(1, 1000));
    prm.add_parameter("Residual tolerance",
                      residual_tolerance,
                      "Newton stops when the residual (A, per unit reference "
                      "current) is below this.",
                      Patterns::Double(1e-16, 1e-2));
    prm.add_parameter("Update tolerance",
                      update_tolerance,
                      "... and the largest potential update is below this, "
                      "in V, or the distance to the solution estimated from "
                      "the contraction theta of two full Newton steps, "
                      "theta / (1 - theta) times the last update (Deuflhard "
                      "2004), is.",
                      Patterns::Double(1e-16, 1e-2));
    prm.add_parameter("Linear solver",
                      linear_solver,
                      "direct (PETSc's sparse LU on one rank, MUMPS on "
                      "several), iterative (CG with algebraic multigrid), or "
                      "auto (direct up to 'Direct solver limit' unknowns).",
                      Patterns::Selection("auto|direct|iterative"));
    prm.add_parameter("Direct solver limit",
                      direct_solver_limit,
                      "With 'auto', systems up to this many unknowns are "
                      "solved directly. The sparse LU's cost grows faster "
                      "than the multigrid's: in the Example's first minutes "
                      "of charge (1 rank) the two take the same time at 21k "
                      "unknowns in 2D, the multigrid 21 % less at 82k, and "
                      "in 3D at 30k the LU takes 25 times as long per time "
                      "step (doc/performance.md).",
                      Patterns::Integer(0));
    prm.add_parameter("Linear tolerance",
                      linear_tolerance,
                      "Relative residual reduction of the iterative linear "
                      "solver.",
                      Patterns::Double(1e-16, 1e-2));
    prm.add_parameter(
      "Forcing",
      forcing,
      "Iterative solver: how far each Newton iteration's linear solve goes. "
      "fixed: to 'Linear tolerance'. Eisenstat-Walker: to a relative "
      "residual that follows the Newton iteration's progress (Eisenstat and "
      "Walker 1996, choice 2), between 'Linear tolerance' and 'Maximum "
      "forcing'; the Newton test is the same, so the converged step is too, "
      "to that test's tolerances.",
      Patterns::Selection("fixed|Eisenstat-Walker"));
    prm.add_parameter("Maximum forcing",
                      maximum_forcing,
                      "Eisenstat-Walker: the loosest relative residual of a "
                      "linear solve, and that of a time step's first one "
                      "(below 'Linear tolerance', that one holds).",
                      Patterns::Double(1e-16, 0.9));
    prm.add_parameter("Predict potentials",
                      predict_potentials,
                      "Newton starts a time step from the potentials "
                      "extrapolated linearly along the last step of the same "
                      "protocol step (from the committed ones at a protocol "
                      "step's first time step and after a remeshing). The "
                      "converged step is the same to Newton's tolerances.",
                      Patterns::Bool());
    prm.add_parameter("Reuse preconditioner",
                      reuse_preconditioner,
                      "Iterative solver: the Newton iterations of a time "
                      "step share the algebraic multigrid set up at the "
                      "first (their Jacobians differ little); a solve that "
                      "fails with it is repeated with a new set-up. Direct "
                      "solver on several ranks: MUMPS' factorization of a "
                      "step's first Newton iteration preconditions CG for "
                      "its other iterations (to 'Linear tolerance'; a new "
                      "factorization where CG needs more than 20 "
                      "iterations).",
                      Patterns::Bool());
    prm.add_parameter(
      "AMG strong threshold",
      amg_strong_threshold,
      "Iterative solver: BoomerAMG's threshold of strong coupling. The thin, "
      "highly conducting layers make the two potentials' operator "
      "anisotropic; 0.5 coarsens it better than hypre's 2D default 0.25. "
      "Example stack, 2D, 82k unknowns: linear solve 5.2 us per unknown and "
      "Newton iteration at 0.5, 7.5 us at 0.25 (doc/performance.md, "
      "benchmark a). [N]",
      Patterns::Double(0, 0.99));
    prm.add_parameter(
      "AMG aggressive coarsening levels",
      amg_aggressive_levels,
      "Iterative solver: levels of BoomerAMG's hierarchy coarsened "
      "aggressively. More CG iterations, each cheaper: with 1 (and the "
      "strong threshold 0.5) the 2D Example at 82k unknowns takes 4.6 us per "
      "unknown and Newton iteration against 5.2 us with 0, the 3D one at "
      "219k 24 us against 50 us with hypre's defaults. [N]",
      Patterns::Integer(0, 10));
    prm.add_parameter(
      "AMG coarsening",
      amg_coarsening,
      "Iterative solver: BoomerAMG's coarsening and interpolation. HMIS: "
      "HMIS coarsening (De Sterck, Yang, Heys, SIAM J. Matrix Anal. Appl. 27 "
      "(2006) 1019) with extended+i interpolation of at most 4 weights per "
      "row (De Sterck et al., Numer. Linear Algebra Appl. 15 (2008) 115). "
      "Falgout: Falgout's coarsening with classical interpolation (PETSc's "
      "default). Example stack, linear solve per unknown and Newton "
      "iteration, 1 rank: 3D at 219k unknowns 15.2 us with HMIS against "
      "19.1 us, 2D at 325k 5.65 against 6.55 us; below 100k unknowns in 2D "
      "the two are alike (doc/performance.md, benchmark a).",
      Patterns::Selection("HMIS|Falgout"));
    prm.add_parameter(
      "AMG smoother",
      amg_smoother,
      "Iterative solver: how BoomerAMG smooths each level, with hybrid "
      "Gauss-Seidel (Gauss-Seidel within a rank, Jacobi between ranks). "
      "Gauss-Seidel: a forward sweep on the way down and a backward one on "
      "the way up, a symmetric V-cycle with half the smoothing. symmetric "
      "Gauss-Seidel: a forward and a backward sweep each way (deal.II's "
      "choice for symmetric operators). Example stack, benchmark a, 2D at "
      "325k unknowns: 34.5 CG iterations per Newton iteration against 27.3 "
      "on 1 rank (31.6 on 2), linear solve 4.6 against 5.5 us per unknown "
      "and Newton iteration on 1 rank, 2.6 against 3.6 us on 2 "
      "(doc/performance.md).",
      Patterns::Selection("Gauss-Seidel|symmetric Gauss-Seidel"));
    prm.leave_subsection();
  }

  void
  ElectrochemistryParameters::declare(ParameterHandler &prm)
  {
    prm.enter_subsection("Electrochemistry");
    cathode.declare(prm);
    carbon.declare(prm);
    halide.declare(prm);
    plating.declare(prm);
    solver.declare(prm);
    prm.leave_subsection();
  }

  MonotoneTable
  read_ocp_table(const std::string &filename)
  {
    const std::string path =
      "Electrochemistry/Cathode/Open-circuit potential file";
    std::ifstream      in(filename, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof())
      throw InputError(path, "the file '" + filename + "' cannot be read.");
    try
      {
        const MonotoneTable table =
          MonotoneTable::from_csv(text.str(), filename);
        if (table.x_min() < 0 || table.x_max() > 1)
          throw std::invalid_argument("Li fractions must lie in [0, 1]");
        for (unsigned int k = 0; k <= 100; ++k)
          {
            const double x =
              table.x_min() + (table.x_max() - table.x_min()) * k / 100;
            const double u = table.value(x);
            if (!(u > -1 && u < 10))
              throw std::invalid_argument("potentials must lie between -1 "
                                          "and 10 V");
          }
        return table;
      }
    catch (const std::invalid_argument &e)
      {
        throw InputError(path,
                         std::string("the table cannot be used: ") + e.what() +
                           ". It must hold rows 'x,U' (Li fraction, V vs Li) "
                           "with x increasing; '#' lines and one header row "
                           "are allowed.");
      }
  }

  void
  ElectrochemistryParameters::check(const unsigned int) const
  {
    if (cathode.active_volume_fraction + cathode.electrolyte_volume_fraction >=
        1.0)
      throw InputError(
        "Electrochemistry/Cathode/Electrolyte volume fraction",
        "the active material and electrolyte volume fractions add up to " +
          std::to_string(cathode.active_volume_fraction +
                         cathode.electrolyte_volume_fraction) +
          ", which leaves no room for binder, carbon or pores: their sum "
          "must be below 1.");
    if (carbon.ionic_conductivity_full < carbon.ionic_conductivity_empty)
      throw InputError("Electrochemistry/Carbon layer/Ionic conductivity full",
                       "the conductivity of the full carbon is below that of "
                       "the empty one; lithiation raises it.");
    if (!cathode.ocp_file.empty())
      {
        const std::string path =
          "Electrochemistry/Cathode/Open-circuit potential file";
        if (!std::filesystem::exists(cathode.ocp_file))
          throw InputError(path,
                           "the file '" + cathode.ocp_file +
                             "' does not exist. Give a CSV file with 'x,U' "
                             "rows, or leave it empty for the built-in "
                             "NMC811 table.");
        if (!std::filesystem::is_regular_file(cathode.ocp_file))
          throw InputError(path,
                           "'" + cathode.ocp_file +
                             "' is not a regular file. Give a CSV file with "
                             "'x,U' rows.");
        read_ocp_table(cathode.ocp_file); // throws if it is not usable
      }
  }
} // namespace anodeless
