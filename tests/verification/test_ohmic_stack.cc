// Series Ohmic stack: in every layer without reactions the potential drop is
// I L / sigma, exactly for linear elements.
#include <anodeless/geometry/layer_stack.h>

#include <cell_fixture.h>
#include <testing.h>

using namespace anodeless;
using namespace anodeless::testing;

namespace
{
  // Poor conductors, so that the drops are large against round-off, and the
  // temperature of the reference values (no Arrhenius factor).
  const std::string conductors = R"(
set Dimension = 1
subsection Protocol
  set Temperature = 298.15
end
subsection Materials
  subsection SUS304
    set Electronic conductivity = 0.01
    set Reference temperature = 298.15
  end
  subsection Al
    set Electronic conductivity = 0.02
  end
  subsection Li6PS5Cl
    set Ionic conductivity = 0.05
  end
end
subsection Electrochemistry
  subsection Halide layer
    set Conducting spot area fraction = 0.5
    set Spot conductivity = 0.03
  end
end
)";

  template <int dim>
  void
  check_drops(const std::string &extra, const bool halide)
  {
    CellFixture<dim> cell(conductors + extra);
    const double     I = -cell.cell->one_c_current_density(); // 1C charge
    const auto       result =
      cell.cell->solve_step(1.0,
                            CellElectrochemistry<dim>::Control::current,
                            I);
    check(result.converged, "Newton converged: " + result.failure);

    struct Layer
    {
      LayerRole    role;
      unsigned int component;
      double       conductivity;
    };
    std::vector<Layer> layers = {{LayerRole::anode_current_collector, 0, 0.01},
                                 {LayerRole::separator, 1, 0.05},
                                 {LayerRole::cathode_current_collector,
                                  0,
                                  0.02}};
    if (halide)
      layers.push_back({LayerRole::halide_layer, 0, 0.5 * 0.03});
    double total = 0, expected_total = 0;
    for (const auto &l : layers)
      {
        const double L        = cell.stack.layer(l.role).thickness;
        const double drop     = cell.cell->potential_drop(l.role, l.component);
        const double expected = -I * L / l.conductivity;
        check_relative(drop,
                       expected,
                       1e-10,
                       std::string(role_name(l.role)) + " drop");
        log() << role_name(l.role) << ": " << drop << " V (expected "
              << expected << ")\n";
        total += drop;
        expected_total += expected;
      }
    check_relative(total, expected_total, 1e-10, "series drop");
  }
} // namespace

ANODELESS_TEST(ohmic_stack_1d)
{
  check_drops<1>("", true);
}

ANODELESS_TEST(ohmic_stack_2d)
{
  // Laterally uniform: no halide layer (its conducting spots would make the
  // current two-dimensional).
  check_drops<2>("subsection Stack\n subsection Halide layer\n"
                 "  set Thickness = 0\n end\nend\n",
                 false);
}
