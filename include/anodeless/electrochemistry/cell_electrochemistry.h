#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace anodeless
{
  struct RunParameters;
  class LayerStack;
  enum class LayerRole : unsigned char;
  struct MechanicalCoupling;
  struct ContactStatistics;
  template <int dim>
  struct StackMesh;

  /// Li held by each host, in mol (over the whole mesh).
  struct LiInventory
  {
    double cathode        = 0;
    double carbon         = 0;
    double films          = 0;
    double double_layer   = 0;
    double carbon_trapped = 0; ///< part of 'carbon' trapped for good
    double dead           = 0; ///< dead Li
    double sei            = 0; ///< Li in the SEI
    /// Li+ set free by the oxidation of the electrolyte (first charge); it
    /// is in the hosts above, so the total takes it off.
    double from_electrolyte = 0;

    double
    total() const
    {
      return cathode + carbon + films + double_layer + dead + sei -
             from_electrolyte;
    }
  };

  /// What a candidate plating interface holds.
  struct InterfaceSummary
  {
    std::string name;                   ///< "Halide layer|Carbon layer"
    double      area               = 0; ///< m^2 (dim-1 measure)
    double      mean_thickness     = 0; ///< m, area average of the film
    double      max_thickness      = 0; ///< m
    double      nucleated_fraction = 0; ///< area share with a film or open gate
  };

  /**
   * @brief The electrochemistry of the cell: electronic potential phi_s and
   * ionic potential phi_e, each only on the layers that carry it (hp finite
   * elements with FE_Nothing elsewhere), coupled by the reactions at the
   * quadrature points of the cathode and carbon layer and on the anode-side
   * interfaces where Li can plate.
   *
   * A time step is solved by Newton's method on the potentials with every
   * local state (particle shells, carbon filling, film) condensed into its
   * reaction law; the states are updated with the same currents when the
   * step is committed.
   */
  template <int dim>
  class CellElectrochemistry
  {
  public:
    enum class Control
    {
      current, ///< galvanostatic: the current density is given
      voltage  ///< potentiostatic: the cell voltage is given
    };

    struct StepResult
    {
      bool         converged         = false;
      unsigned int newton_iterations = 0;
      unsigned int linear_iterations = 0;
      double       linear_solve_time = 0; ///< s in the linear solves
      double       assembly_time     = 0; ///< s in the assemblies
      unsigned int assembly_passes   = 0; ///< passes over the cells
      /// Multigrid set-ups of the iterative solver (Reuse preconditioner).
      unsigned int preconditioner_set_ups = 0;
      double       residual               = 0;
      std::string  failure;
    };

    CellElectrochemistry(const RunParameters &parameters,
                         const LayerStack    &stack,
                         StackMesh<dim>      &mesh,
                         double               temperature);
    ~CellElectrochemistry();

    /// Distribute the unknowns, set the initial states and solve for the
    /// initial equilibrium (no current).
    void
    setup();

    /// Solve the potentials at the end of a step of length @p dt from the
    /// committed state; the result is a trial until commit(). Newton starts
    /// from the committed potentials, or with @p from_last_trial from the
    /// last trial's (the same step solved again, as the coupling passes
    /// do: its solution moves little).
    StepResult
    solve_step(double  dt,
               Control control,
               double  value,
               bool    from_last_trial = false);

    /// Accept the trial step: its states become the committed ones.
    void
    commit();

    /// A new protocol step: the next step's Newton guess is not
    /// extrapolated from the last.
    void
    forget_last_step();

    /// Discard the trial step.
    void
    reject();

    /// Open the nucleation gate wherever phi_s - phi_e <= -eta_nuc + tol
    /// in the committed state (tol at least the plating's nucleation window).
    unsigned int
    open_nucleation_gates(double tolerance);

    /// min over closed gates of (phi_s - phi_e + eta_nuc) of the trial (or,
    /// with committed = true, the committed) state; +inf if none.
    double
    nucleation_margin(bool committed = false) const;

    /// Cell voltage of the trial state [V].
    double
    voltage() const;

    /// Current density of the trial state [A/m^2], > 0 on discharge.
    double
    current_density() const;

    /// Li in each host for the committed state, mol.
    LiInventory
    inventory() const;

    /// Mean filling of the carbon layer and mean Li fraction of the NCM.
    double
    mean_carbon_filling() const;
    double
    mean_cathode_fraction() const;

    std::vector<InterfaceSummary>
    interface_summaries() const;

    /// The 1C current density from the NCM loading [A/m^2].
    double
    one_c_current_density() const;

    /// NCM mass per lateral area [kg/m^2].
    double
    active_mass_per_area() const;

    /// Lateral area of the mesh [m^2] (1 in 1D).
    double
    area() const;

    /// Write phi_s, phi_e, reaction rates, x, theta, film thickness.
    std::string
    write_fields(const std::string &directory,
                 unsigned int       index,
                 double             time) const;

    /// Unknowns on the cells of each layer, by material id (an unknown on
    /// the interface of two layers counts in both).
    std::vector<unsigned int>
    unknowns_per_layer() const;

    /// Unknowns, (phi_s, phi_e) counts.
    std::pair<unsigned int, unsigned int>
    n_dofs() const;

    /// Ratio of the largest to the mean faradaic current density on the
    /// candidate plating interfaces (current focusing).
    double
    plating_focusing() const;

    /// Mean of phi_s (component 0) or phi_e (1) over the top of a layer
    /// minus its mean over the bottom, trial state [V].
    double
    potential_drop(LayerRole role, unsigned int component) const;

    /// NCM Li fraction (particle mean) by active cell index and quadrature
    /// point (empty outside the cathode), committed state (or the trial
    /// state of the step being solved).
    std::vector<std::vector<double>>
    cathode_li_fraction(bool trial = false) const;

    /// Carbon filling by cell and quadrature point (empty outside the
    /// carbon layer), committed state (or trial).
    std::vector<std::vector<double>>
    carbon_filling(bool trial = false) const;

    /// Li film thickness [m] by lower cell of a plating interface and face
    /// quadrature point, committed state (or trial).
    std::vector<std::vector<double>>
    film_thickness(bool trial = false) const;

    /// Take the state of the mechanics into account from the next step on:
    /// conductivities and contact after pressing, pressure on the films.
    void
    apply_mechanics(const MechanicalCoupling &coupling);

    /// Where Li touches the solid electrolyte (interfaces under the
    /// separator): the worst values of the trial state, per interface.
    std::vector<ContactStatistics>
    contact_statistics() const;

    /// Whether the electrolyte oxidation of the first charge (Cathode/First
    /// charge side reaction share) runs in the next steps.
    void
    set_first_charge(bool first_charge);

    /// Electronic conductance [S/m^2] of a soft short between the cathode's
    /// top and the grounded anode, from the next step on.
    void
    set_soft_short(double conductance);

    /// One quadrature point of a reacting layer.
    struct ReactionSample
    {
      double y;      ///< thickness coordinate [m]
      double rate;   ///< a j [A/m^3]
      double weight; ///< JxW [m^dim]
    };

    /// The volumetric reaction rate at the quadrature points of a layer on
    /// this rank, trial state.
    std::vector<ReactionSample>
    reaction_samples(LayerRole role) const;

    /// The committed state of the locally owned cells (unknowns and
    /// point states), by cell id, for a checkpoint.
    void
    save_state(std::map<std::string, std::vector<double>> &cells) const;

    /// Restore a state written by save_state, possibly on another
    /// partition of the same mesh; it becomes the committed state.
    void
    load_state(const std::map<std::string, std::vector<double>> &cells);

    /// Error indicator per active cell (0 on cells of other ranks): the
    /// jumps of the electronic and ionic current densities across the
    /// faces between cells of one layer, sqrt(sum_F h_F |F| [j.n]^2), of
    /// the committed state.
    std::vector<float>
    refinement_indicators() const;

    /// By active cell index: the cells that should be as fine as allowed,
    /// those under a Li film that grew in the last step and the conducting
    /// spots of the halide layer.
    std::vector<bool>
    cells_to_resolve() const;

    /// The records of the children of a refined cell of material
    /// @p material_id from its record (save_state's layout): potentials
    /// interpolated, each child's points taking the state of the parent's
    /// Gauss point inside it, the interface state going to the children on
    /// its face. Conserves every amount.
    std::vector<std::vector<double>>
    split_record(unsigned int               material_id,
                 const std::vector<double> &parent) const;

    /// The record of the parent of a coarsened family from its children's:
    /// potentials at the parent's vertices, the parent's point q the mean
    /// of child q's points (the inverse of split_record).
    std::vector<double>
    merge_records(unsigned int                            material_id,
                  const std::vector<std::vector<double>> &children) const;

    /// After the mesh changed: distribute the unknowns anew and take the
    /// committed state from the records (of the new locally owned cells,
    /// plus "global" as written by save_state).
    void
    remesh(const std::map<std::string, std::vector<double>> &cells);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl;
  };
} // namespace anodeless
