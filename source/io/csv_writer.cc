#include <anodeless/io/csv_writer.h>

#include <cstdio>
#include <filesystem>
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
    std::string line;
    for (std::size_t i = 0; i < columns.size(); ++i)
      line += (i ? "," : "") + columns[i];
    line += "\n";
    out << line << std::flush;
    bytes = line.size();
  }

  CsvWriter::CsvWriter(const std::string              &path,
                       const std::vector<std::string> &columns,
                       const unsigned long long        length)
    : header(columns)
    , bytes(length)
  {
    std::error_code ec;
    if (!std::filesystem::exists(path) ||
        std::filesystem::file_size(path) < length)
      throw std::runtime_error("the file '" + path +
                               "' is shorter than at the checkpoint: it "
                               "cannot be continued");
    std::filesystem::resize_file(path, length, ec);
    if (ec)
      throw std::runtime_error("cannot cut '" + path +
                               "' back to the "
                               "checkpoint: " +
                               ec.message());
    out.open(path, std::ios::app);
    if (!out)
      throw std::runtime_error("cannot write the file '" + path + "'");
  }

  void
  CsvWriter::write_cells(const std::vector<std::string> &cells)
  {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i)
      line += (i ? "," : "") + cells[i];
    line += "\n";
    out << line << std::flush;
    bytes += line.size();
  }

  std::string
  CsvWriter::format(const double x)
  {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.15e", x);
    return buffer;
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
        std::snprintf(buffer, sizeof(buffer), "%.15e", x);
        line += (line.empty() ? "" : ",") + std::string(buffer);
      }
    line += "\n";
    out << line << std::flush;
    bytes += line.size();
  }
} // namespace anodeless
