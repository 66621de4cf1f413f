#pragma once

#include <array>
#include <string>
#include <vector>

namespace dealii
{
  class ParameterHandler;
}

namespace anodeless
{
  /**
   * @brief The fixed roles of the layers, bottom (y = 0) to top.
   *
   * The numeric value is the material id of the layer's cells. A role whose
   * thickness is 0 is absent from the cell.
   */
  enum class LayerRole : unsigned char
  {
    anode_current_collector   = 0,
    halide_layer              = 1,
    lithiophilic_layer        = 2,
    carbon_layer              = 3,
    separator                 = 4,
    cathode                   = 5,
    cathode_current_collector = 6
  };

  inline constexpr unsigned int n_layer_roles = 7;

  /// Material id of halide-layer cells that carry electrons (conducting
  /// spots); all other cells carry the id of their role.
  inline constexpr unsigned int halide_spot_material_id = 7;

  /// All roles, bottom to top.
  inline constexpr std::array<LayerRole, n_layer_roles> all_layer_roles = {
    {LayerRole::anode_current_collector,
     LayerRole::halide_layer,
     LayerRole::lithiophilic_layer,
     LayerRole::carbon_layer,
     LayerRole::separator,
     LayerRole::cathode,
     LayerRole::cathode_current_collector}};

  /// The subsection name of a role, e.g. "Halide layer".
  const char *
  role_name(LayerRole role);

  /// The role of a cell with this material id (spots belong to the halide
  /// layer).
  LayerRole
  role_of_material_id(unsigned int material_id);

  /// Materials a role accepts, '|'-separated (a ParameterHandler selection).
  const char *
  allowed_materials(LayerRole role);

  /// Geometry and mesh controls of one layer role, as read from the input.
  struct LayerParameters
  {
    std::string  material;
    double       thickness     = 0; ///< m; 0 = absent
    unsigned int minimum_cells = 1; ///< through the thickness
  };

  /**
   * @brief The "Stack" subsection: one subsection per layer role plus the
   * lateral window and the mesh controls.
   */
  struct StackParameters
  {
    std::array<LayerParameters, n_layer_roles> layers;

    double       lateral_width        = 20e-6; ///< m, x extent in 2D/3D
    double       lateral_depth        = 20e-6; ///< m, z extent in 3D
    unsigned int lateral_cells        = 20;    ///< cells along x
    unsigned int depth_cells          = 20;    ///< cells along z (3D)
    double       maximum_cell_height  = 5e-6;  ///< m, through-thickness cap
    double       growth_factor        = 1.5;   ///< max ratio of neighbour cells
    double       maximum_aspect_ratio = 50;    ///< lateral size / height cap

    StackParameters();

    /// Declare the subsection "Stack" and bind it to this object.
    void
    declare(dealii::ParameterHandler &prm);

    /// Check values and combinations after parsing (throws InputError).
    void
    check(unsigned int dim) const;
  };

  /**
   * @brief The layers that are present, with their positions and the
   * through-thickness cell sizes of the layer-conforming mesh.
   */
  class LayerStack
  {
  public:
    struct Layer
    {
      LayerRole           role;
      std::string         material;
      double              thickness;
      double              y_bottom;
      double              y_top;
      std::vector<double> cell_heights; ///< bottom to top, sum = thickness
    };

    /// Interface between two present, adjacent layers.
    struct Interface
    {
      LayerRole lower;
      LayerRole upper;
      double    y;
      std::string
      name() const; ///< "Halide layer|Carbon layer"
    };

    explicit LayerStack(const StackParameters &parameters);

    const std::vector<Layer> &
    layers() const
    {
      return present;
    }

    std::vector<Interface>
    interfaces() const;

    bool
    has(LayerRole role) const;

    /// The layer of this role; throws if absent.
    const Layer &
    layer(LayerRole role) const;

    double
    total_thickness() const;

    /// All through-thickness cell boundaries, bottom to top (from 0).
    std::vector<double>
    y_nodes() const;

    /// Height of the thinnest cell through the thickness.
    double
    smallest_cell_height() const;

  private:
    std::vector<Layer> present;
  };
} // namespace anodeless
