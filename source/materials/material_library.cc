#include <deal.II/base/parameter_handler.h>

#include <anodeless/core/constants.h>
#include <anodeless/core/errors.h>
#include <anodeless/materials/material_library.h>

#include <cmath>

namespace anodeless
{
  namespace
  {
    struct Value
    {
      double      value;
      const char *source;
    };

    struct MaterialDefaults
    {
      const char *name;
      const char *description;
      Value       electronic_conductivity;
      Value       electronic_activation_energy;
      Value       ionic_conductivity;
      Value       ionic_activation_energy;
      Value       reference_temperature;
      Value       youngs_modulus;
      Value       poisson_ratio;
      Value       yield_stress;
      Value       density;
    };

    constexpr double eV = constants::electronvolt_per_mol;

    const char *const no_ions = "[A] no ionic conduction.";
    const char *const no_T    = "[A] temperature independent over 25-60 C.";
    const char *const room_T  = "[V] the source's measurement temperature.";

    // Sources: the references listed in
    // doc/model.md. Tags: [V] read in the source, [R] from the cited work,
    // not re-checked, [D] derived, [A] assumption.
    const std::vector<MaterialDefaults> defaults = {
      {"SUS304",
       "stainless steel 304 foil (anode current collector)",
       {1.39e6, "[V] resistivity 72 uOhm cm, SUS304 datasheet (MatWeb-type)."},
       {0, no_T},
       {0, no_ions},
       {0, no_ions},
       {293.15, room_T},
       {193e9, "[V] 193-200 GPa, SUS304 datasheet."},
       {0.29, "[V] SUS304 datasheet."},
       {215e6, "[V] SUS304 datasheet (annealed)."},
       {8000, "[V] SUS304 datasheet."}},
      {"Cu",
       "copper foil (alternative anode current collector)",
       {5.96e7, "[R] 1.68e-8 Ohm m at 20 C, CRC Handbook."},
       {0, no_T},
       {0, no_ions},
       {0, no_ions},
       {293.15, room_T},
       {117e9, "[R] handbook value for polycrystalline Cu."},
       {0.34, "[R] handbook value."},
       {70e6, "[R] annealed Cu, handbook value."},
       {8960, "[R] handbook value."}},
      {"Al",
       "aluminium foil (cathode current collector)",
       {3.69e7, "[V] PyBaMM Chen2020 / ORegan2022 parameter sets, 25 C."},
       {0, no_T},
       {0, no_ions},
       {0, no_ions},
       {298.15, room_T},
       {70e9, "[R] handbook value."},
       {0.33, "[R] handbook value."},
       {35e6, "[A] annealed 1xxx foil, handbook range 30-40 MPa."},
       {2700, "[R] handbook value."}},
      {"LiF",
       "evaporated lithium fluoride (halide layer)",
       {0,
        "[R] insulator (band gap ~14 eV); electrons cross the layer only at "
        "conducting spots, see Electrochemistry/Halide layer."},
       {0, no_T},
       {1.5e-10,
        "[D] 1.5e-12 S/cm at 45 C from D0 = 2.4e-6 cm2/s, Q = 0.74 eV "
        "(LiF diffusion table, scientific.net 47527); thin films may be "
        "lower (space-charge depletion)."},
       {0.74 * eV, "[V] Q = 0.74 eV, LiF diffusion table."},
       {318.15, "[D] value above is given at 45 C."},
       {118e9,
        "[D] Voigt-Reuss-Hill average of C11, C12, C44 = 111.2, 42.0, "
        "62.8 GPa [R]."},
       {0.20, "[D] from the same elastic constants."},
       {1e9, "[A] brittle ceramic: taken as not yielding."},
       {2635, "[R] handbook value."}},
      {"LiCl",
       "lithium chloride (alternative halide layer, patent claim)",
       {0, "[R] wide-gap insulator, like LiF."},
       {0, no_T},
       {1e-7,
        "[A] order of magnitude for bulk LiCl near room temperature; "
        "calibrate before use."},
       {0.6 * eV, "[A] typical of alkali-halide vacancy migration."},
       {298.15, room_T},
       {40e9, "[A] order of magnitude from LiCl single-crystal constants."},
       {0.25, "[A] typical of alkali halides."},
       {1e9, "[A] brittle ceramic: taken as not yielding."},
       {2068, "[R] handbook value."}},
      {"LiF-PVDF slurry",
       "LiF powder + PVDF 95:5 wt, bar-coated (patent Comparative Example 3)",
       {0,
        "[A] insulator; electrons cross at conducting spots like evaporated "
        "LiF."},
       {0, no_T},
       {1.5e-10, "[A] as dense LiF (the LiF phase carries the ions)."},
       {0.74 * eV, "[A] as dense LiF."},
       {318.15, "[A] as dense LiF."},
       {10e9, "[A] porous powder layer with polymer binder."},
       {0.25, "[A] porous powder layer."},
       {20e6, "[A] compacts under the 500 MPa press."},
       {1600, "[A] about 60 % dense LiF with 5 wt% PVDF."}},
      {"Ag",
       "silver (lithiophilic layer, patent's optional third layer)",
       {6.30e7, "[R] handbook value, 20 C."},
       {0, no_T},
       {0, no_ions},
       {0, no_ions},
       {293.15, room_T},
       {83e9, "[R] handbook value."},
       {0.37, "[R] handbook value."},
       {55e6, "[R] annealed Ag, handbook value."},
       {10490, "[R] handbook value."}},
      {"carbon black-PVDF",
       "carbon black + PVDF 91.5:8.5 wt (the carbon layer)",
       {300,
        "[A] compacted carbon black + PVDF: 1-10 S/cm, rising as p^0.5 "
        "with pressing (doi:10.1246/bcsj.39.829 for the exponent)."},
       {0, no_T},
       {0,
        "[A] Li+ transport in the carbon layer is set in "
        "Electrochemistry/Carbon layer."},
       {0, no_ions},
       {298.15, room_T},
       {3e9, "[A] 1-5 GPa for a carbon black + PVDF layer."},
       {0.3, "[A] typical of a porous polymer-bound layer."},
       {50e6, "[A] compacts under the 500 MPa press."},
       {1900, "[A] skeletal density of carbon black with PVDF."}},
      {"Li6PS5Cl",
       "argyrodite sulfide solid electrolyte (separator)",
       {0, "[A] electronic conduction neglected (about 1e-9 S/cm)."},
       {0, no_T},
       {0.156,
        "[V] 1.56 +- 0.11 mS/cm at 25 C, small-grain cold-pressed pellet, "
        "Singh 2022 doi:10.1016/j.xcrp.2022.101043."},
       {0.35 * eV, "[V] 0.35 eV, Singh 2022."},
       {298.15, room_T},
       {22e9, "[V] as quoted by Singh 2022 (from Deng 2016 / McGrogan 2017)."},
       {0.37, "[D] from Pugh ratio G/B = 0.28 [V]."},
       {1e9, "[A] not used: compaction follows the Heckel law."},
       {1865, "[D] a = 9.85 A, Z = 4."}},
      {"NCM811 composite",
       "NCM : Li6PS5Cl : CNF : PTFE = 84 : 15 : 0.2 : 1.2 wt (cathode)",
       {1.0,
        "[A] effective solid-network conductivity; NCM itself 1e-5 to "
        "1e-3 S/cm, raised by the CNF."},
       {0, no_T},
       {0.156,
        "[V] of the Li6PS5Cl phase, Singh 2022; the cathode corrects it by "
        "the electrolyte volume fraction (Bruggeman)."},
       {0.35 * eV, "[V] 0.35 eV, Singh 2022."},
       {298.15, room_T},
       {40e9, "[A] pressed composite, 30-60 GPa."},
       {0.3, "[A] typical of a ceramic composite."},
       {1e9, "[A] not used: compaction follows the Heckel law."},
       {4750, "[R] NCM811 crystallographic density."}},
      {"Li",
       "lithium metal (the plated film)",
       {1.1e7, "[R] handbook value, 20 C."},
       {0, no_T},
       {0, no_ions},
       {0, no_ions},
       {293.15, room_T},
       {7.8e9, "[V] as quoted by Singh 2022 (Masias 2019)."},
       {0.38, "[R] Masias 2019 doi:10.1007/s10853-018-2971-3."},
       {0.8e6, "[V] 0.7-0.8 MPa, Singh 2022 / Duan 2023."},
       {534, "[R] handbook value."}},
    };
  } // namespace

  double
  arrhenius_factor(const double activation_energy,
                   const double temperature,
                   const double reference_temperature)
  {
    return std::exp(-activation_energy / constants::gas_constant *
                    (1.0 / temperature - 1.0 / reference_temperature));
  }

  double
  Material::electronic_conductivity_at(const double temperature) const
  {
    return electronic_conductivity *
           arrhenius_factor(electronic_activation_energy,
                            temperature,
                            reference_temperature);
  }

  double
  Material::ionic_conductivity_at(const double temperature) const
  {
    return ionic_conductivity * arrhenius_factor(ionic_activation_energy,
                                                 temperature,
                                                 reference_temperature);
  }

  MaterialLibrary::MaterialLibrary()
  {
    for (const auto &d : defaults)
      {
        Material m;
        m.name                         = d.name;
        m.electronic_conductivity      = d.electronic_conductivity.value;
        m.electronic_activation_energy = d.electronic_activation_energy.value;
        m.ionic_conductivity           = d.ionic_conductivity.value;
        m.ionic_activation_energy      = d.ionic_activation_energy.value;
        m.reference_temperature        = d.reference_temperature.value;
        m.youngs_modulus               = d.youngs_modulus.value;
        m.poisson_ratio                = d.poisson_ratio.value;
        m.yield_stress                 = d.yield_stress.value;
        m.density                      = d.density.value;
        materials.push_back(m);
      }
  }

  void
  MaterialLibrary::declare(dealii::ParameterHandler &prm)
  {
    using dealii::Patterns::Double;
    const auto doc = [](const std::string &what, const Value &v) {
      return what + " " + v.source;
    };
    prm.enter_subsection("Materials");
    for (unsigned int i = 0; i < materials.size(); ++i)
      {
        auto       &m = materials[i];
        const auto &d = defaults[i];
        prm.enter_subsection(d.name);
        prm.add_parameter("Electronic conductivity",
                          m.electronic_conductivity,
                          doc(std::string("Electronic conductivity of the ") +
                                d.description +
                                " at the reference temperature, in S/m.",
                              d.electronic_conductivity),
                          Double(0, 1e9));
        prm.add_parameter("Electronic activation energy",
                          m.electronic_activation_energy,
                          doc("Arrhenius activation energy of the electronic "
                              "conductivity, in J/mol.",
                              d.electronic_activation_energy),
                          Double(0, 1e6));
        prm.add_parameter(
          "Ionic conductivity",
          m.ionic_conductivity,
          doc("Li+ conductivity of the dense material at the reference "
              "temperature, in S/m.",
              d.ionic_conductivity),
          Double(0, 1e3));
        prm.add_parameter("Ionic activation energy",
                          m.ionic_activation_energy,
                          doc("Arrhenius activation energy of the ionic "
                              "conductivity, in J/mol.",
                              d.ionic_activation_energy),
                          Double(0, 1e6));
        prm.add_parameter("Reference temperature",
                          m.reference_temperature,
                          doc("Temperature of the conductivities above, in K.",
                              d.reference_temperature),
                          Double(100, 1000));
        prm.add_parameter("Young's modulus",
                          m.youngs_modulus,
                          doc("Young's modulus, in Pa.", d.youngs_modulus),
                          Double(1e3, 2e12));
        prm.add_parameter("Poisson's ratio",
                          m.poisson_ratio,
                          doc("Poisson's ratio.", d.poisson_ratio),
                          Double(-0.99, 0.4999));
        prm.add_parameter("Yield stress",
                          m.yield_stress,
                          doc("Initial yield stress, in Pa.", d.yield_stress),
                          Double(1, 1e11));
        prm.add_parameter("Density",
                          m.density,
                          doc("Mass density of the dense material, in kg/m^3.",
                              d.density),
                          Double(1, 1e5));
        prm.leave_subsection();
      }
    prm.leave_subsection();
  }

  const Material &
  MaterialLibrary::get(const std::string &name) const
  {
    for (const auto &m : materials)
      if (m.name == name)
        return m;
    std::string known;
    for (const auto &m : materials)
      known += (known.empty() ? "'" : ", '") + m.name + "'";
    throw InputError("Materials",
                     "there is no material named '" + name +
                       "'. Known materials: " + known + ".");
  }
} // namespace anodeless
