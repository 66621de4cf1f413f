#pragma once

// Internal to the electrochemistry: the data of CellElectrochemistry, shared
// by its setup, assembly, solve and output files.

#include <deal.II/base/quadrature_lib.h>

#include <deal.II/dofs/dof_handler.h>

#include <deal.II/fe/fe_system.h>

#include <deal.II/hp/fe_collection.h>
#include <deal.II/hp/fe_values.h>
#include <deal.II/hp/q_collection.h>

#include <deal.II/lac/affine_constraints.h>

#include <anodeless/core/run_parameters.h>
#include <anodeless/electrochemistry/cell_electrochemistry.h>
#include <anodeless/electrochemistry/electrochemistry_parameters.h>
#include <anodeless/electrochemistry/local_reactions.h>
#include <anodeless/geometry/layer_stack.h>
#include <anodeless/geometry/stack_mesh.h>
#include <anodeless/solvers/linear_algebra.h>
#include <anodeless/solvers/linear_solver.h>

#include <array>

namespace anodeless
{
  /// Index into the FE collection: which potentials a cell carries.
  namespace fe_index
  {
    inline constexpr unsigned int both       = 0; ///< carbon, cathode
    inline constexpr unsigned int electronic = 1; ///< metals, spots
    inline constexpr unsigned int ionic      = 2; ///< separator
    inline constexpr unsigned int none       = 3; ///< insulating halide

    /// The potentials of the cells of a material (layer role or spot).
    inline unsigned int
    of_material(const unsigned int material_id, const unsigned int dim)
    {
      switch (role_of_material_id(material_id))
        {
          case LayerRole::carbon_layer:
          case LayerRole::cathode:
            return both;
          case LayerRole::separator:
            return ionic;
          case LayerRole::halide_layer:
            return (dim == 1 || material_id == halide_spot_material_id) ?
                     electronic :
                     none;
          default:
            return electronic;
        }
    }
  } // namespace fe_index

  /// Layout of the interface state at each face quadrature point.
  namespace face_slot
  {
    inline constexpr unsigned int film       = 0; ///< film thickness [m]
    inline constexpr unsigned int delta_phi  = 1; ///< phi_s - phi_e [V]
    inline constexpr unsigned int nucleated  = 2; ///< 0 or 1
    inline constexpr unsigned int faradaic   = 3; ///< last faradaic j [A/m^2]
    inline constexpr unsigned int dead       = 4; ///< dead Li [mol/m^2]
    inline constexpr unsigned int sei_charge = 5; ///< SEI on the film [C/m^2]
    inline constexpr unsigned int sei_lost   = 6; ///< Li in SEI [mol/m^2]
    inline constexpr unsigned int size       = 7;
  } // namespace face_slot

  /// Layout of the carbon layer's state at each quadrature point.
  namespace carbon_slot
  {
    inline constexpr unsigned int filling = 0; ///< all occupied sites
    inline constexpr unsigned int trapped = 1; ///< Li trapped for good
    inline constexpr unsigned int largest = 2; ///< largest filling so far
    inline constexpr unsigned int size    = 3;
  } // namespace carbon_slot

  /// Plating state of one face quadrature point, read from its slots.
  inline PlatingReaction::State
  plating_state(const double *slots)
  {
    PlatingReaction::State s;
    s.film_thickness = slots[face_slot::film];
    s.delta_phi      = slots[face_slot::delta_phi];
    s.nucleated      = slots[face_slot::nucleated] > 0.5;
    s.dead           = slots[face_slot::dead];
    s.sei_charge     = slots[face_slot::sei_charge];
    s.sei_lost       = slots[face_slot::sei_lost];
    return s;
  }

  template <int dim>
  struct CellElectrochemistry<dim>::Impl
  {
    using CellIterator = typename dealii::DoFHandler<dim>::active_cell_iterator;

    Impl(const RunParameters &parameters,
         const LayerStack    &stack,
         StackMesh<dim>      &mesh,
         double               temperature);

    const RunParameters              &parameters;
    const ElectrochemistryParameters &echem;
    const LayerStack                 &stack;
    StackMesh<dim>                   &mesh;
    const double                      temperature;
    const MPI_Comm                    comm;
    const double                      lateral_area; ///< m^(dim-1), 1 in 1D

    dealii::DoFHandler<dim>                        dof_handler;
    dealii::hp::FECollection<dim>                  fe;
    dealii::hp::QCollection<dim>                   cell_quadrature;
    dealii::hp::QCollection<dim - 1>               face_quadrature;
    std::unique_ptr<dealii::hp::FEValues<dim>>     hp_values;
    std::unique_ptr<dealii::hp::FEFaceValues<dim>> hp_face_values;
    std::unique_ptr<dealii::hp::FEFaceValues<dim>> hp_neighbor_face_values;
    dealii::IndexSet                               owned_dofs, relevant_dofs;
    dealii::AffineConstraints<double> current_constraints; ///< bottom
    dealii::AffineConstraints<double> voltage_constraints; ///< bottom + top
    /// phi_s unknowns set to the cell voltage under voltage control: the
    /// top face, and the whole foil when it is equipotential.
    dealii::IndexSet top_phi_s_dofs;
    /// The cathode current collector is one unknown under current control.
    bool             equipotential_foil = false;
    dealii::IndexSet phi_e_dofs; ///< locally owned

    LA::MPI::SparseMatrix jacobian;
    /// The direct solver's factorization of the jacobian (its ordering and
    /// symbolic part serve every Newton iteration until the jacobian is
    /// created anew).
    PreconditionerCache factorization;
    LA::MPI::Vector     solution;  ///< owned, trial
    LA::MPI::Vector     committed; ///< owned, last accepted
    /// The committed potentials before the last accepted step, and that
    /// step's length (0: none in this protocol step and mesh): the
    /// predictor of the next step's first Newton guess.
    LA::MPI::Vector before_committed;
    double          committed_step = 0;
    LA::MPI::Vector ghosted; ///< relevant, for evaluation

    // Layer properties at the run temperature, indexed by material id.
    std::array<double, n_layer_roles + 1> electronic_conductivity{};
    std::array<double, n_layer_roles + 1> ionic_conductivity{};
    double carbon_ionic_factor = 1; ///< Arrhenius factor of kappa_C(theta)

    // Reactions
    std::unique_ptr<MonotoneTable>     custom_ocp;
    std::unique_ptr<Nmc811Diffusivity> diffusivity;
    std::unique_ptr<CathodeReaction>   cathode;
    std::unique_ptr<CarbonReaction>    carbon;
    std::unique_ptr<PlatingReaction>   plating;
    double cathode_specific_area = 0; ///< a = 3 eps f / R [1/m]
    double carbon_specific_area  = 0; ///< [1/m]
    double anode_rest_potential  = 0; ///< V vs Li

    // States by active cell index: cathode shells or carbon filling per
    // quadrature point; interface state per top-face quadrature point of the
    // lower cell of a candidate plating interface.
    std::vector<std::vector<double>> cell_state, cell_state_trial;
    std::vector<std::vector<double>> face_state, face_state_trial;
    std::vector<double>              nucleation_overpotential; ///< per cell
    std::vector<PlatingReaction::Interface> interface_losses;  ///< per cell
    std::vector<std::vector<double>> reaction_rate; ///< a j per point [A/m^3]
    /// NCM surface Li fraction per cathode point at the end of the last step.
    std::vector<std::vector<double>> surface_fraction;
    /// Li+ set free by electrolyte oxidation per cathode point [mol/m^3].
    std::vector<std::vector<double>> released, released_trial;
    /// Share of the delithiation current added by that oxidation now.
    double side_share = 0;
    /// Surface response of each cathode particle for the current step
    /// (offset, slope per quadrature point), valid until the step changes.
    std::vector<std::vector<double>> surface_response;
    bool                             surface_response_valid = false;
    /// Factors from the mechanics by cell and quadrature point (empty: 1)
    /// and the pressure on each film face point [Pa].
    std::vector<std::vector<double>> ionic_factor, electronic_factor,
      contact_factor, film_pressure;
    /// (Omega_Li - Omega_Li+) / F [V/Pa]
    double pressure_shift = 0;
    /// Soft short between the top face and ground [S/m^2].
    double soft_short = 0;

    /// Last reaction current per quadrature point: the start of the next
    /// local Newton iteration there.
    std::vector<std::vector<double>> reaction_guess;
    /// reaction_guess at the last commit (or load), restored on reject.
    std::vector<std::vector<double>> reaction_guess_settled;

    double trial_dt      = 0;
    double trial_current = 0;
    double trial_voltage = 0;

    /// A per-point array of the cells' records (checkpoints, refinement).
    struct RecordArray
    {
      std::vector<std::vector<double>> *values;
      bool on_top_face; ///< per point of the top face, else per cell point
    };

    /// The per-point arrays of a cell's record, in its order. Arrays that
    /// are not in use (the mechanics' factors without mechanics) are empty
    /// as a whole.
    std::vector<RecordArray>
    record_arrays()
    {
      return {{&cell_state, false},
              {&face_state, true},
              {&reaction_guess, false},
              {&reaction_rate, false},
              {&ionic_factor, false},
              {&electronic_factor, false},
              {&contact_factor, false},
              {&film_pressure, true},
              {&released, false},
              {&surface_fraction, false}};
    }

    // Setup
    void
    assign_fe_indices();
    void
    mark_conducting_spots();
    void
    set_layer_properties();
    void
    distribute_dofs();
    void
    initialize_states();
    void
    set_initial_potentials();

    bool
    is_candidate_interface(LayerRole lower, LayerRole upper) const;
    double
    nucleation_overpotential_of(LayerRole lower) const;
    PlatingReaction::Interface
    losses_of(LayerRole lower, LayerRole upper) const;

    /// Assemble the residual (and Jacobian) at the trial solution for a step
    /// of length dt; with store_states, write the trial states instead.
    void
    assemble(Control          control,
             double           current_density,
             bool             with_jacobian,
             bool             store_states,
             LA::MPI::Vector &residual);

    double
    evaluate_voltage() const;
    double
    evaluate_cathode_current() const;

    dealii::AffineConstraints<double> &
    constraints(Control control)
    {
      return control == Control::current ? current_constraints :
                                           voltage_constraints;
    }
  };
} // namespace anodeless
