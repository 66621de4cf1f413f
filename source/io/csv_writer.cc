#include <anodeless/io/csv_writer.h>

#include <cstdio>
#include <stdexcept>

namespace anodeless
{
  CsvWriter::CsvWriter(const std::string              &path,
                       const std::vector<std::string> &columns)
    : out(path)
    , header(columns)
  {
    if (!out)
      throw std::runtime_error("cannot write the file '" + path + "'");
    for (std::size_t i = 0; i < columns.size(); ++i)
      out << (i ? "," : "") << columns[i];
    out << "\n" << std::flush;
  }

  void
  CsvWriter::write_row(const std::vector<std::string> &text,
                       const std::vector<double>      &numbers)
  {
    std::string line;
    for (const auto &t : text)
      line += (line.empty() ? "" : ",") + t;
    char buffer[32];
    for (const double x : numbers)
      {
        std::snprintf(buffer, sizeof(buffer), "%.10e", x);
        line += (line.empty() ? "" : ",") + std::string(buffer);
      }
    out << line << "\n" << std::flush;
  }
} // namespace anodeless
