#include <anodeless/io/json.h>
#include <anodeless/io/pvd_record.h>

#include <iomanip>
#include <sstream>

namespace anodeless
{
  void
  PvdRecord::add(const double time, const std::string &pvtu_file)
  {
    records.emplace_back(time, pvtu_file);
  }

  void
  PvdRecord::write(const std::string &path) const
  {
    std::ostringstream out;
    out << "<?xml version=\"1.0\"?>\n"
        << "<VTKFile type=\"Collection\" version=\"0.1\" "
           "byte_order=\"LittleEndian\">\n"
        << "  <Collection>\n";
    for (const auto &[time, file] : records)
      out << "    <DataSet timestep=\"" << std::setprecision(12) << time
          << "\" group=\"\" part=\"0\" file=\"" << file << "\"/>\n";
    out << "  </Collection>\n</VTKFile>\n";
    write_file_atomically(path, out.str());
  }
} // namespace anodeless
