#include <deal.II/base/parameter_handler.h>

#include <anodeless/core/errors.h>
#include <anodeless/geometry/layer_stack.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace anodeless
{
  namespace
  {
    struct RoleDefaults
    {
      const char  *name;
      const char  *materials;
      const char  *material;
      double       thickness;
      unsigned int minimum_cells;
      const char  *source;
    };

    // The patent's Example (US 2025/0260017 A1, [0131]-[0136]).
    const std::array<RoleDefaults, n_layer_roles> role_defaults = {{
      {"Anode current collector",
       "SUS304|Cu",
       "SUS304",
       10e-6,
       2,
       "[P] SUS foil 10 um, patent [0131]."},
      {"Halide layer",
       "LiF|LiCl|LiF-PVDF slurry",
       "LiF",
       250e-9,
       1,
       "[P] evaporated LiF 250 nm, patent [0131]; claims 10-990 nm."},
      {"Lithiophilic layer",
       "Ag",
       "Ag",
       0.0,
       1,
       "[P] absent in the Example (patent's optional third layer, claims "
       "10-990 nm)."},
      {"Carbon layer",
       "carbon black-PVDF",
       "carbon black-PVDF",
       10e-6,
       3,
       "[P] carbon black + PVDF 10 um, patent [0132]; claims 1-50 um."},
      {"Separator",
       "Li6PS5Cl",
       "Li6PS5Cl",
       50e-6,
       3,
       "[P] Li6PS5Cl 50 um, patent [0136]."},
      {"Cathode",
       "NCM811 composite",
       "NCM811 composite",
       66e-6,
       3,
       "[A] not in the patent: 66 um holds 18.8 mg/cm2 NCM (4 mAh/cm2 at "
       "212.5 mAh/g) at solid volume fractions NCM 0.668 / SE 0.307 "
       "(patent weight ratio 84:15:0.2:1.2) and 10 % porosity; see "
       "doc/model.md."},
      {"Cathode current collector",
       "Al",
       "Al",
       18e-6,
       2,
       "[P] Al foil 18 um, patent [0133]."},
    }};

    std::string
    format(const double value)
    {
      std::ostringstream s;
      s << value;
      return s.str();
    }
  } // namespace

  const char *
  role_name(const LayerRole role)
  {
    return role_defaults[static_cast<unsigned int>(role)].name;
  }

  LayerRole
  role_of_material_id(const unsigned int material_id)
  {
    if (material_id == halide_spot_material_id)
      return LayerRole::halide_layer;
    if (material_id >= n_layer_roles)
      throw std::logic_error("material id " + std::to_string(material_id) +
                             " is not a layer role");
    return static_cast<LayerRole>(material_id);
  }

  const char *
  allowed_materials(const LayerRole role)
  {
    return role_defaults[static_cast<unsigned int>(role)].materials;
  }

  StackParameters::StackParameters()
  {
    for (unsigned int r = 0; r < n_layer_roles; ++r)
      {
        layers[r].material      = role_defaults[r].material;
        layers[r].thickness     = role_defaults[r].thickness;
        layers[r].minimum_cells = role_defaults[r].minimum_cells;
      }
  }

  void
  StackParameters::declare(dealii::ParameterHandler &prm)
  {
    using namespace dealii;
    prm.enter_subsection("Stack");
    for (unsigned int r = 0; r < n_layer_roles; ++r)
      {
        prm.enter_subsection(role_defaults[r].name);
        prm.add_parameter("Material",
                          layers[r].material,
                          "Material of this layer; its properties are in "
                          "subsection Materials.",
                          Patterns::Selection(role_defaults[r].materials));
        prm.add_parameter("Thickness",
                          layers[r].thickness,
                          std::string("Thickness in m; 0 removes the layer. ") +
                            role_defaults[r].source,
                          Patterns::Double(0, 1e-3));
        prm.add_parameter("Minimum cells",
                          layers[r].minimum_cells,
                          "Fewest mesh cells through the thickness of this "
                          "layer (the mesh grades towards thin neighbours).",
                          Patterns::Integer(1, 1000));
        prm.leave_subsection();
      }
    prm.add_parameter("Lateral width",
                      lateral_width,
                      "Width in m of the lateral window (x) in 2D and 3D; "
                      "its sides are symmetry planes. Unused in 1D.",
                      Patterns::Double(1e-9, 1e-1));
    prm.add_parameter("Lateral depth",
                      lateral_depth,
                      "Depth in m of the lateral window (z) in 3D.",
                      Patterns::Double(1e-9, 1e-1));
    prm.add_parameter("Lateral cells",
                      lateral_cells,
                      "Number of coarse mesh cells along x (2D and 3D).",
                      Patterns::Integer(1, 10000));
    prm.add_parameter("Depth cells",
                      depth_cells,
                      "Number of coarse mesh cells along z (3D).",
                      Patterns::Integer(1, 10000));
    prm.add_parameter("Maximum cell height",
                      maximum_cell_height,
                      "Largest through-thickness cell size in m of the coarse "
                      "mesh.",
                      Patterns::Double(1e-9, 1e-2));
    prm.add_parameter("Growth factor",
                      growth_factor,
                      "Largest ratio of the heights of two neighbouring "
                      "cells through the thickness; the mesh grades from "
                      "thin layers into thick ones at this rate.",
                      Patterns::Double(1.0, 10.0));
    prm.add_parameter("Maximum aspect ratio",
                      maximum_aspect_ratio,
                      "Largest allowed ratio of a coarse cell's lateral size "
                      "to its height or vice versa (2D and 3D): flatter "
                      "cells degrade the linear solvers.",
                      Patterns::Double(1.0, 1e4));
    prm.leave_subsection();
  }

  void
  StackParameters::check(const unsigned int dim) const
  {
    for (unsigned int r = 0; r < n_layer_roles; ++r)
      {
        const std::string path =
          std::string("Stack/") + role_defaults[r].name + "/Thickness";
        if (layers[r].thickness > 0 && layers[r].thickness < 1e-9)
          throw InputError(path,
                           "the thickness is " + format(layers[r].thickness) +
                             " m, thinner than one nanometre. Give a "
                             "thickness of at least 1e-9 m, or 0 to remove "
                             "the layer.");
      }
    const auto require = [&](const LayerRole role, const std::string &why) {
      const unsigned int r = static_cast<unsigned int>(role);
      if (layers[r].thickness == 0)
        throw InputError(std::string("Stack/") + role_defaults[r].name +
                           "/Thickness",
                         "the thickness is 0, but every cell needs this "
                         "layer: " +
                           why + " Give a positive thickness (in m).");
    };
    require(LayerRole::anode_current_collector,
            "the bottom of the cell is grounded on it.");
    require(LayerRole::separator,
            "without an electrolyte between the electrodes there is no "
            "cell.");
    require(LayerRole::cathode, "it holds all the cell's lithium.");
    require(LayerRole::cathode_current_collector,
            "the current is applied on its top face.");

    if (dim > 1)
      {
        const LayerStack stack(*this);
        const double     hmin = stack.smallest_cell_height();
        double           hmax = 0;
        for (const auto &layer : stack.layers())
          for (const double h : layer.cell_heights)
            hmax = std::max(hmax, h);
        const auto check_direction = [&](const double       extent,
                                         const unsigned int cells,
                                         const std::string &name) {
          const double dx = extent / cells;
          if (dx / hmin > maximum_aspect_ratio)
            throw InputError(
              "Stack/" + name,
              "this gives lateral cells of " + format(dx) + " m, " +
                format(dx / hmin) + " times the height of the thinnest cell (" +
                format(hmin) + " m), above 'Stack/Maximum aspect ratio' = " +
                format(maximum_aspect_ratio) + ". Use at least " +
                std::to_string(static_cast<unsigned int>(
                  std::ceil(extent / (hmin * maximum_aspect_ratio)))) +
                " cells, or a narrower window.");
          if (hmax / dx > maximum_aspect_ratio)
            throw InputError(
              "Stack/" + name,
              "this gives lateral cells of " + format(dx) + " m, " +
                format(hmax / dx) + " times thinner than the tallest cell (" +
                format(hmax) + " m), above 'Stack/Maximum aspect ratio' = " +
                format(maximum_aspect_ratio) +
                ". Use fewer lateral cells, a wider window, or a smaller "
                "'Stack/Maximum cell height'.");
        };
        check_direction(lateral_width, lateral_cells, "Lateral cells");
        if (dim == 3)
          check_direction(lateral_depth, depth_cells, "Depth cells");
      }
  }

  std::string
  LayerStack::Interface::name() const
  {
    return std::string(role_name(lower)) + "|" + role_name(upper);
  }

  LayerStack::LayerStack(const StackParameters &parameters)
  {
    const double growth = parameters.growth_factor;
    // Present layers, bottom to top, and their largest allowed cell height.
    std::vector<double> cap;
    double              y = 0;
    for (unsigned int r = 0; r < n_layer_roles; ++r)
      {
        const auto &p = parameters.layers[r];
        if (p.thickness <= 0)
          continue;
        present.push_back({static_cast<LayerRole>(r),
                           p.material,
                           p.thickness,
                           y,
                           y + p.thickness,
                           {}});
        y += p.thickness;
        cap.push_back(std::min(parameters.maximum_cell_height,
                               p.thickness / p.minimum_cells));
      }
    // The last layer's top must be exactly the sum of the thicknesses.
    const unsigned int n = present.size();

    // Cell size at each end of each layer: at most 'growth' times the size
    // on the other side of the interface.
    std::vector<double> end_bottom(cap), end_top(cap);
    for (unsigned int pass = 0; pass < n + 1; ++pass)
      for (unsigned int i = 0; i < n; ++i)
        {
          if (i > 0)
            end_bottom[i] = std::min(end_bottom[i], growth * end_top[i - 1]);
          if (i + 1 < n)
            end_top[i] = std::min(end_top[i], growth * end_bottom[i + 1]);
        }

    // Within a layer the wanted cell size w grows linearly with the distance
    // s from either end, w = w0 + ln(g) s, and nodes sit at equal increments
    // of the integral of 1/w: then each cell is g times its neighbour and the
    // first one is w0 (g-1)/ln(g), which we make the end size.
    const double slope = std::log(growth);
    const double first = growth > 1 ? slope / (growth - 1) : 1.0;
    for (unsigned int i = 0; i < n; ++i)
      {
        Layer             &layer   = present[i];
        const double       t       = layer.thickness;
        const unsigned int samples = 4000;
        const double       huge    = std::numeric_limits<double>::max();
        const auto         size    = [&](const double s) {
          return std::min(
            {cap[i],
             end_bottom[i] < cap[i] ? end_bottom[i] * first + slope * s : huge,
             end_top[i] < cap[i] ? end_top[i] * first + slope * (t - s) :
                                              huge});
        };
        std::vector<double> integral(samples + 1, 0.0);
        for (unsigned int k = 1; k <= samples; ++k)
          {
            const double s0 = t * (k - 1) / samples, s1 = t * k / samples;
            integral[k] =
              integral[k - 1] + 0.5 * (s1 - s0) * (1 / size(s0) + 1 / size(s1));
          }
        const unsigned int cells = std::max<unsigned int>(
          parameters.layers[static_cast<unsigned int>(layer.role)]
            .minimum_cells,
          static_cast<unsigned int>(std::ceil(integral.back() * (1 - 1e-9))));
        std::vector<double> nodes = {0.0};
        unsigned int        k     = 1;
        for (unsigned int c = 1; c < cells; ++c)
          {
            const double target = integral.back() * c / cells;
            while (integral[k] < target)
              ++k;
            const double w =
              (target - integral[k - 1]) / (integral[k] - integral[k - 1]);
            nodes.push_back(t * (k - 1 + w) / samples);
          }
        nodes.push_back(t);
        for (unsigned int c = 0; c < cells; ++c)
          layer.cell_heights.push_back(nodes[c + 1] - nodes[c]);
      }
  }

  std::vector<LayerStack::Interface>
  LayerStack::interfaces() const
  {
    std::vector<Interface> result;
    for (unsigned int i = 1; i < present.size(); ++i)
      result.push_back(
        {present[i - 1].role, present[i].role, present[i].y_bottom});
    return result;
  }

  bool
  LayerStack::has(const LayerRole role) const
  {
    return std::any_of(present.begin(), present.end(), [&](const Layer &l) {
      return l.role == role;
    });
  }

  const LayerStack::Layer &
  LayerStack::layer(const LayerRole role) const
  {
    for (const auto &l : present)
      if (l.role == role)
        return l;
    throw std::logic_error(std::string("the stack has no ") + role_name(role));
  }

  double
  LayerStack::total_thickness() const
  {
    return present.empty() ? 0.0 : present.back().y_top;
  }

  std::vector<double>
  LayerStack::y_nodes() const
  {
    std::vector<double> nodes = {0.0};
    for (const auto &layer : present)
      {
        double y = layer.y_bottom;
        for (unsigned int c = 0; c + 1 < layer.cell_heights.size(); ++c)
          {
            y += layer.cell_heights[c];
            nodes.push_back(y);
          }
        nodes.push_back(layer.y_top);
      }
    return nodes;
  }

  double
  LayerStack::smallest_cell_height() const
  {
    double h = std::numeric_limits<double>::max();
    for (const auto &layer : present)
      for (const double c : layer.cell_heights)
        h = std::min(h, c);
    return h;
  }
} // namespace anodeless
