#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace anodeless
{
  struct RunParameters;
  class LayerStack;
  enum class LayerRole : unsigned char;
  template <int dim>
  struct StackMesh;

  /// Per-layer stress extremes of the current state [Pa].
  struct LayerStress
  {
    std::string layer;
    double      max_hydrostatic = 0; ///< largest mean stress (tension > 0)
    double      min_hydrostatic = 0; ///< most compressive mean stress
    double      max_principal   = 0; ///< largest principal stress
    double      mean_relative_density = 1;
  };

  /// What the electrochemistry needs from the mechanics, by active cell
  /// index and quadrature point (empty vectors: no change).
  struct MechanicalCoupling
  {
    /// Factor on the electrolyte conductivity (separator, cathode) from the
    /// relative density.
    std::vector<std::vector<double>> ionic_conductivity_factor;
    /// Factor on the carbon layer's electronic conductivity from pressing.
    std::vector<std::vector<double>> electronic_conductivity_factor;
    /// Factor on the NCM|electrolyte contact fraction.
    std::vector<std::vector<double>> contact_factor;
    /// Normal pressure on the Li film, by lower cell of a plating interface
    /// and face quadrature point [Pa].
    std::vector<std::vector<double>> film_pressure;
  };

  /**
   * @brief Quasi-static small-strain mechanics of the stack: the fabrication
   * press (isostatic, Heckel compaction of the porous layers, J2 plasticity
   * of the metals), then, while cycling, the stack in its fixture with the
   * chemical expansion of the NCM and the carbon and the plated Li films
   * (bands whose normal growth relaxes by power-law creep).
   *
   * 2D is plane strain; in 1D the lateral strain is one unknown shared by
   * all layers (bonded stack), fixed at zero when laterally confined.
   */
  template <int dim>
  class CellMechanics
  {
  public:
    CellMechanics(const RunParameters &parameters,
                  const LayerStack    &stack,
                  StackMesh<dim>      &mesh,
                  double               temperature);
    ~CellMechanics();

    void
    setup();

    /// The fabrication press: load to the press pressure isostatically,
    /// hold, unload. Returns the thickness change of the stack [m].
    double
    press();

    /// Mount the pressed stack in its fixture at the preload.
    void
    mount();

    /**
     * One cycling time step (staggered after the electrochemistry):
     * chemical eigenstrains from the given NCM Li fractions and carbon
     * fillings (by cell and quadrature point), and the Li films' thickness
     * before and after the step (by lower cell of a plating interface and
     * face quadrature point) [m]. Plating adds to a film's mechanical
     * thickness; stripping removes from it in proportion. With
     * @p from_last_step the Newton iteration starts from the displacement
     * the last step() reached (the same step solved again by a coupling
     * pass) instead of the current one.
     */
    void
    step(double                                  dt,
         const std::vector<std::vector<double>> &ncm_li_fraction,
         const std::vector<std::vector<double>> &carbon_filling,
         const std::vector<std::vector<double>> &film_before,
         const std::vector<std::vector<double>> &film_after,
         bool                                    from_last_step = false);

    /// Coupling data for the electrochemistry from the current state.
    MechanicalCoupling
    coupling() const;

    /// Mean normal pressure on the top plate [Pa] (compression > 0).
    double
    stack_pressure() const;

    /// Mean displacement of the top face relative to the start [m].
    double
    thickness_change() const;

    /// Largest normal pressure on any Li film [Pa].
    double
    max_film_pressure() const;

    std::vector<LayerStress>
    layer_stresses() const;

    /// Displacement, stress, strain, relative density and film fields.
    std::string
    write_fields(const std::string &directory,
                 const std::string &name,
                 unsigned int       index) const;

    unsigned int
    n_dofs() const;

    /// Linear iterations of the last solve (0 for a direct solve).
    unsigned int
    last_linear_iterations() const;

    /// Iterative linear solves (Newton iterations) of the last solve.
    unsigned int
    last_linear_solves() const;

    /// Geometric multigrid set-ups of the last solve (a repeated coupling
    /// pass reuses the pass before's).
    unsigned int
    last_multigrid_set_ups() const;

    /// Factorizations of the direct solver in the last solve (its other
    /// linear solves ran CG preconditioned by an earlier one).
    unsigned int
    last_factorizations() const;

    /// Wall time of the last solve in its assemblies and in its linear
    /// solves (their multigrid set-ups included), in s on this rank.
    std::pair<double, double>
    last_solve_times() const;

    /// Whether the last linear solve used the geometric multigrid on the
    /// mesh's levels (false after a direct or algebraic multigrid solve).
    bool
    uses_geometric_multigrid() const;

    /// The state of the locally owned cells (displacement, material and
    /// film states), by cell id, and the stack's scalars, for a checkpoint.
    void
    save_state(std::map<std::string, std::vector<double>> &cells) const;

    /// What save_state writes, kept in memory as it is: a time step's
    /// coupling passes return to its start without a record per cell.
    struct Snapshot;

    /// The current state (see save_state), to return to with restore().
    std::shared_ptr<const Snapshot>
    snapshot() const;

    /// Return to a state taken by snapshot() on the same mesh and partition.
    void
    restore(const Snapshot &snapshot);

    /// Restore a state written by save_state (possibly on another partition
    /// of the same mesh) into a mechanics just set up: it continues cycling
    /// in its fixture from there.
    void
    load_state(const std::map<std::string, std::vector<double>> &cells);

    /// The records of a refined cell's children from its record (see
    /// save_state): displacements interpolated; each child's points take the
    /// state of the parent's Gauss point inside it (equal weights, so every
    /// integral is kept: plastic and creep strain, compaction); a film band
    /// (its mean) going to the children on its interface.
    std::vector<std::vector<double>>
    split_record(unsigned int               material_id,
                 const std::vector<double> &parent) const;

    /// The record of the parent of a coarsened family from its children's:
    /// displacements at the parent's vertices, the parent's point q the
    /// mean of child q's points (the inverse of split_record), the films of
    /// the band children averaged.
    std::vector<double>
    merge_records(unsigned int                            material_id,
                  const std::vector<std::vector<double>> &children) const;

    /// After the mesh changed: distribute the unknowns anew and take the
    /// state from the records (of the new locally owned cells, plus
    /// "global" as written by save_state).
    void
    remesh(const std::map<std::string, std::vector<double>> &cells);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl;
  };
} // namespace anodeless
