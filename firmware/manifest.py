# micropython-lib style manifest: freezes the redline package.
package("redline")
