from healcode.cli import main

main()
