# Build the till for Windows: the PyInstaller one-folder program, its self-test, and the
# Inno Setup installer. Run from a PowerShell prompt in the repository:
#
#   powershell -ExecutionPolicy Bypass -File installer\build.ps1
#   powershell -ExecutionPolicy Bypass -File installer\build.ps1 -NoInstaller -NoSelfTest
#
# Needs Python 3.11 (the "py" launcher or python.exe on PATH) and, for the installer,
# Inno Setup 6 (ISCC.exe on PATH or in its default folder). Output:
#   dist\pos-member\pos-member.exe            the till (no console window)
#   dist\pos-member\pos-member-cli.exe        the same program with a console
#   dist\installer\pos-member-<version>-setup.exe
param(
    [switch]$NoInstaller,
    [switch]$NoSelfTest,
    [string]$Python = ""
)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

# 1. The build environment: .venv with the project and PyInstaller 6.
$VenvPython = Join-Path $Root ".venv\Scripts\python.exe"
if (-not (Test-Path $VenvPython)) {
    if ($Python -eq "") {
        if (Get-Command py -ErrorAction SilentlyContinue) { & py -3.11 -m venv .venv }
        else { & python -m venv .venv }
    } else { & $Python -m venv .venv }
    if ($LASTEXITCODE -ne 0) { throw "could not create .venv (is Python 3.11 installed?)" }
}
& $VenvPython -m pip install --quiet --upgrade pip
& $VenvPython -m pip install --quiet -e . "pyinstaller>=6,<7"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }
$Version = (& $VenvPython -c "import pos_member; print(pos_member.__version__)").Trim()

# 2. The program folder.
Write-Host "building POS Member $Version into dist\pos-member"
$Timer = [System.Diagnostics.Stopwatch]::StartNew()
& $VenvPython -m PyInstaller --noconfirm --clean --log-level WARN `
    --distpath dist --workpath build\pyinstaller installer\pos_member.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$Timer.Stop()
$Bundle = Join-Path $Root "dist\pos-member"
$Files = Get-ChildItem $Bundle -Recurse -File
$SizeMB = [math]::Round((($Files | Measure-Object Length -Sum).Sum) / 1MB, 1)
Write-Host ("bundle:     {0}" -f $Bundle)
Write-Host ("size:       {0} MB in {1} files" -f $SizeMB, $Files.Count)
Write-Host ("build time: {0:N1} s" -f $Timer.Elapsed.TotalSeconds)

# 3. The self-test, offscreen, with the console variant of the program.
if (-not $NoSelfTest) {
    $env:QT_QPA_PLATFORM = "offscreen"
    # --scratch: a temporary data folder, never the build machine's own till
    & (Join-Path $Bundle "pos-member-cli.exe") --self-test --scratch
    $Status = $LASTEXITCODE
    Remove-Item Env:\QT_QPA_PLATFORM
    if ($Status -ne 0) { throw "the self-test failed (exit $Status)" }
}

# 4. The installer.
if (-not $NoInstaller) {
    $Iscc = (Get-Command ISCC.exe -ErrorAction SilentlyContinue).Source
    if (-not $Iscc) {
        foreach ($Dir in @("${env:ProgramFiles(x86)}\Inno Setup 6", "$env:ProgramFiles\Inno Setup 6",
                           "$env:LOCALAPPDATA\Programs\Inno Setup 6")) {
            if (Test-Path "$Dir\ISCC.exe") { $Iscc = "$Dir\ISCC.exe"; break }
        }
    }
    if (-not $Iscc) { throw "Inno Setup 6 (ISCC.exe) not found; install it or pass -NoInstaller" }
    & $Iscc "/DAppVersion=$Version" installer\pos_member.iss
    if ($LASTEXITCODE -ne 0) { throw "ISCC failed" }
    Write-Host "installer:  dist\installer\pos-member-$Version-setup.exe"
}
